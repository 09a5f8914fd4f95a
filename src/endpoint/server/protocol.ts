/** Messages between startEmbeddingsServer and its server in a worker thread or child process (child.ts). */
export type ParentMessage = { type: 'start'; config: unknown } | { type: 'close' };
export type ChildMessage = { type: 'listening'; origin: string } | { type: 'failed'; message: string; exitCode: number } | { type: 'closed' };
