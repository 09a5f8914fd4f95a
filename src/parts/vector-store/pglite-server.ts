/**
 * A loopback Postgres server in its own process: PGlite (Postgres 18 + pgvector 0.8 in WebAssembly) behind
 * pglite-socket, so the `pg` client talks to it over the wire exactly as to a real server, and the database's CPU and
 * memory are not the client's.
 *
 *   node --import tsx src/parts/vector-store/pglite-server.ts [--port 0] [--data-dir DIR]
 *
 * Binds 127.0.0.1 only. Prints one line `{"url":"postgresql://postgres@127.0.0.1:PORT/postgres"}` on stdout once it
 * accepts connections. Stops on SIGTERM/SIGINT, or when its standard input closes (so it never outlives a parent
 * that started it with a pipe). It takes ONE connection at a time (PGlite is a single session): a second client is
 * refused, so figures measured against it are single-connection figures, never concurrency figures.
 */
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

const HOST = '127.0.0.1';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '0' }, 'data-dir': { type: 'string' } },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`pglite-server: --port: expected an integer in 0..65535, found ${values.port}\n`);
    process.exit(2);
  }
  const db = await PGlite.create({ dataDir: values['data-dir'], extensions: { vector } });
  await db.exec('CREATE EXTENSION IF NOT EXISTS vector');
  const server = new PGLiteSocketServer({ db, host: HOST, port, maxConnections: 1 });
  await server.start();
  const bound = Number(server.getServerConn().split(':').pop());

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.stop().catch(() => {});
    await db.close().catch(() => {});
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
  process.stdout.write(`${JSON.stringify({ url: `postgresql://postgres@${HOST}:${bound}/postgres` })}\n`);
}

main().catch((error) => {
  process.stderr.write(`pglite-server: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(3);
});
