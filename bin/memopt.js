#!/usr/bin/env node
// memopt ships TypeScript sources and loads TypeScript scenario files, so the CLI registers tsx's loader first.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
