// Entry of a server started off the caller's thread (worker thread or child process). In the installed package the
// server is compiled JavaScript (dist/.../child.js); in the repository it is TypeScript (src/.../child.ts), so
// tsx's loader is registered first, as bin/memopt.js does there.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('./child.js', import.meta.url);
if (existsSync(fileURLToPath(built))) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./child.ts');
}
