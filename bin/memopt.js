#!/usr/bin/env node
// The memopt CLI. Scenario files may be TypeScript, so tsx's loader is registered first in every case.
//
// Installed (npm install memopt): the package is compiled JavaScript in dist/ and `import 'memopt'` in a user's
// scenario resolves, through package.json `exports`, to the same dist/ modules this CLI runs. tsx's CommonJS hooks
// are registered too: in a CommonJS project a .ts scenario is CommonJS, and Node's own require() cannot compile it
// (it fails with "Cannot require() ES Module ... in a cycle").
// In the repository (src/ is there, and is never packed): the CLI runs the TypeScript sources, and a resolve hook
// adds the `memopt-source` condition so that `import 'memopt'` in scenarios/ and examples/ resolves to
// src/public-api.ts too (one copy of every module, no build needed). The repository is an ES module package, so
// only tsx's ESM hooks are registered there, as before the package was built.
import { existsSync } from 'node:fs';
import { register as registerHooks } from 'node:module';
import { register as registerCommonJs } from 'tsx/cjs/api';
import { register } from 'tsx/esm/api';

register();
const sources = new URL('../src/cli/main.ts', import.meta.url);
const fromSources = existsSync(sources);
if (fromSources) registerHooks('./source-condition.mjs', import.meta.url);
else registerCommonJs();
const { main, SIGNAL_EXIT_CODES } = await import(fromSources ? sources.href : '../dist/cli/main.js');
const code = await main(process.argv.slice(2));
// An interrupted run returns while its scenario's work may still be pending: end the process now (its files are
// written and marked 'interrupted'); otherwise let stdout drain and exit naturally.
if (Object.values(SIGNAL_EXIT_CODES).includes(code)) process.exit(code);
process.exitCode = code;
