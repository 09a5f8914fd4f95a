/**
 * The server side of startEmbeddingsServer's isolation: runs in a worker thread or a child process, listens, and
 * talks to its parent by messages (protocol.ts). It ends when told to close, or when a child process loses its
 * parent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MemoptError } from '../../errors.ts';
import { resolveServerConfig } from './config.ts';
import { listenEmbeddingsServer, type ListeningServer } from './listen.ts';
import type { ChildMessage, ParentMessage } from './protocol.ts';

type Channel = { send(message: ChildMessage): void; onMessage(listener: (message: ParentMessage) => void): void; onParentGone(listener: () => void): void };

function channel(): Channel {
  if (parentPort) {
    const port = parentPort;
    return { send: (m) => port.postMessage(m), onMessage: (l) => port.on('message', l), onParentGone: (l) => port.on('close', l) };
  }
  if (!process.send) throw new Error('child.ts must run as a worker thread or a forked child process');
  return {
    send: (m) => process.send!(m),
    onMessage: (l) => process.on('message', (m) => l(m as ParentMessage)),
    onParentGone: (l) => process.on('disconnect', l),
  };
}

const link = channel();
let server: ListeningServer | undefined;

async function stop(): Promise<void> {
  await server?.close();
  link.send({ type: 'closed' });
  process.exit(0);
}

async function start(input: unknown): Promise<void> {
  try {
    server = await listenEmbeddingsServer(resolveServerConfig(input));
    link.send({ type: 'listening', origin: server.origin });
  } catch (error) {
    link.send({ type: 'failed', message: (error as Error).message, exitCode: error instanceof MemoptError ? error.exitCode : 3 });
    process.exit(0);
  }
}

link.onMessage((message) => {
  if (message.type === 'start') void start(message.config);
  else if (message.type === 'close') void stop();
});
link.onParentGone(() => void server?.close().then(() => process.exit(0)));
if (parentPort) void start(workerData);
