// Entry of a server started off the caller's thread (worker thread or child process): memopt ships TypeScript,
// so register tsx's loader first, as bin/memopt.js does.
import { register } from 'tsx/esm/api';

register();
await import('./child.ts');
