/**
 * `memopt init [dir]`: a starter for a user's own project, from templates/starter/ (packed with memopt):
 * scenarios/own-index.ts (the user's own part, through a factory), scenarios/stack.ts (memopt's parts by registry
 * params) and a CI workflow, .github/workflows/memopt.yml, that runs `memopt run --quick` on every push. Nothing is
 * ever overwritten: if any of the files exists, none is written (exit 2, naming it).
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.ts';

/** memopt's starter templates (two folders up from src/cli/ or dist/cli/: the package root). */
export const STARTER_DIR = fileURLToPath(new URL('../../templates/starter/', import.meta.url));

/** Each template and where it goes in the user's project (a dot folder is not kept in the template's name). */
export const STARTER_FILES = [
  { template: 'own-index.ts', target: 'scenarios/own-index.ts' },
  { template: 'stack.ts', target: 'scenarios/stack.ts' },
  { template: 'github-workflow.yml', target: '.github/workflows/memopt.yml' },
] as const;

/** Writes the starter into `dir` (created if needed); returns the files written, absolute. */
export async function writeStarter(dir: string): Promise<string[]> {
  const root = resolve(dir);
  const targets = STARTER_FILES.map((file) => ({ ...file, path: join(root, file.target) }));
  for (const { path } of targets) {
    if (await exists(path)) {
      throw new UsageError({ file: path }, 'already exists: memopt init never overwrites a file (move it away, or run init in another folder); nothing was written');
    }
  }
  const written: string[] = [];
  for (const { template, path } of targets) {
    const text = await readFile(join(STARTER_DIR, template), 'utf8');
    await mkdir(dirname(path), { recursive: true });
    // 'wx': fails rather than overwrite a file created since the check above.
    try {
      await writeFile(path, text, { flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError({ file: path }, 'already exists (created while memopt init ran); not overwritten');
      throw new UsageError({ file: path }, `cannot write the file: ${(error as Error).message}`);
    }
    written.push(path);
  }
  return written;
}

/** What `memopt init` prints: the files written and what to run next. */
export function describeStarter(dir: string, written: readonly string[]): string {
  const root = resolve(dir);
  const at = relative(process.cwd(), root);
  const cd = at === '' ? '' : `cd ${at} && `;
  return [
    'memopt init wrote:',
    ...written.map((file) => `  ${relative(root, file)}`),
    '',
    'Next:',
    `  ${cd}npx memopt run --quick            # every scenario in scenarios/ (about a minute)`,
    `  ${cd}npx memopt run scenarios/own-index.ts   # one scenario, full size`,
    '  Replace MyIndex in scenarios/own-index.ts with your own part; .github/workflows/memopt.yml runs the quick form in CI.',
    '',
  ].join('\n');
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
