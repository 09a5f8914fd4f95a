// Builds the installable package: src/ -> dist/ (JavaScript + .d.ts), what `exports`, `types` and bin/memopt.js load
// in an installed copy. Runs on `npm pack` / `npm publish` (prepack) and as `npm run build`; nothing in the repository
// needs it (the CLI, tests and scenarios run from the TypeScript sources).
//
//   node scripts/build.mjs
//
// 1. tsc -p tsconfig.build.json: rewriteRelativeImportExtensions turns `./x.ts` into `./x.js` in the emitted JavaScript.
// 2. The plain-JavaScript modules (*.mjs, which worker threads and child processes load without a TypeScript loader)
//    and their hand-written *.d.mts are copied beside the compiled files, at the same relative paths.
// 3. tsc leaves `./x.ts` specifiers in the .d.ts files it writes; they are rewritten to `./x.js`, so a consumer's
//    TypeScript (any version, any allowImportingTsExtensions setting) resolves them to the .d.ts beside them.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');

/** Every file under `dir`, as absolute paths. */
function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

const started = Date.now();
rmSync(dist, { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });

let copied = 0;
for (const file of filesUnder(src)) {
  if (!file.endsWith('.mjs') && !file.endsWith('.d.mts')) continue;
  const target = join(dist, relative(src, file));
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(file, target);
  copied += 1;
}

// Relative specifiers only (./ or ../), in `from '...'`, `import('...')` and `import '...'`.
const TS_SPECIFIER = /((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]*?)\.ts\2/g;
let rewritten = 0;
for (const file of filesUnder(dist)) {
  if (!file.endsWith('.d.ts')) continue;
  const text = readFileSync(file, 'utf8');
  const next = text.replace(TS_SPECIFIER, (_match, head, quote, path) => `${head}${quote}${path}.js${quote}`);
  if (next !== text) {
    writeFileSync(file, next);
    rewritten += 1;
  }
}

console.log(`dist/ built in ${((Date.now() - started) / 1000).toFixed(1)} s: ${copied} plain-JavaScript files copied, .ts specifiers rewritten in ${rewritten} .d.ts files`);
