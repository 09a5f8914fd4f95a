#!/usr/bin/env node
// memopt ships TypeScript sources and loads TypeScript scenario files, so the CLI registers tsx's loader first.
import { register } from 'tsx/esm/api';

register();
const { main, SIGNAL_EXIT_CODES } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
// An interrupted run returns while its scenario's work may still be pending: end the process now (its files are
// written and marked 'interrupted'); otherwise let stdout drain and exit naturally.
if (Object.values(SIGNAL_EXIT_CODES).includes(code)) process.exit(code);
process.exitCode = code;
