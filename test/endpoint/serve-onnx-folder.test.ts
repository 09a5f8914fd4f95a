import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSFORMERS_MODULE_ENV } from '../../src/endpoint/models/index.ts';
import { cosine, ONNX_PEER_MODULE, ONNX_PEER_RUNS, ONNX_TINY_EXPECTED, ONNX_TINY_FOLDER } from '../support/onnx-tiny.ts';

// `memopt serve --model onnx:<folder>` as a user runs it: the CLI in a child process on 127.0.0.1, the package found
// through MEMOPT_TRANSFORMERS_MODULE, spoken to by the openai SDK.

const expected = ONNX_TINY_EXPECTED.texts;
const modelName = `onnx:${ONNX_TINY_FOLDER}`;

let child: ChildProcess | undefined;
let client: OpenAI;
let firstLine: string;

beforeAll(async () => {
  if (!ONNX_PEER_RUNS) return;
  child = spawn(
    process.execPath,
    ['bin/memopt.js', 'serve', '--model', modelName, '--host', '127.0.0.1', '--port', '0', '--time-scale', '0', '--no-rate-limit'],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, [TRANSFORMERS_MODULE_ENV]: ONNX_PEER_MODULE } },
  );
  firstLine = ((await createInterface({ input: child.stdout! })[Symbol.asyncIterator]().next()).value as string | undefined) ?? '';
  const baseURL = /listening on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(firstLine)?.[1];
  if (!baseURL) throw new Error(`memopt serve did not print its URL; first line: ${JSON.stringify(firstLine)}`);
  client = new OpenAI({ apiKey: 'sk-test', baseURL, maxRetries: 0 });
}, 90_000);
afterAll(async () => {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child!.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
});

describe.skipIf(!ONNX_PEER_RUNS)('memopt serve --model onnx:<folder>', () => {
  it('says what it serves: the folder, its width and how usage is counted', () => {
    expect(firstLine).toContain(`serving model ${modelName}, 16-d, usage in the model folder's own tokenizer`);
  });

  it("answers the SDK with the model's vectors and its tokenizer's usage, float and base64", async () => {
    const input = expected.map((t) => t.text);
    const float = await client.embeddings.create({ model: modelName, input, encoding_format: 'float' });
    const base64 = await client.embeddings.create({ model: modelName, input });
    const tokens = expected.reduce((sum, t) => sum + t.token_count, 0);
    expect(tokens).toBe(46);
    for (const answer of [float, base64]) {
      expect(answer.model).toBe(modelName);
      // The tiny model reads every token of these short texts: nothing truncated, all of it read and billed.
      expect(answer.usage).toEqual({ prompt_tokens: tokens, total_tokens: tokens, tokens_read: tokens, inputs_truncated: 0 });
      expect(answer.data.map((d) => d.index)).toEqual([0, 1, 2, 3, 4, 5]);
      answer.data.forEach((d, i) => {
        expect(d.embedding).toHaveLength(16);
        expect(cosine(d.embedding, expected[i].vector), expected[i].text).toBeGreaterThanOrEqual(0.9999);
      });
    }
    expect(base64.data[4].embedding).toEqual(float.data[4].embedding);
  });

  it('lists the folder model as its only model, and refuses the mock models with a 404', async () => {
    expect((await client.models.list()).data.map((m) => m.id)).toEqual([modelName]);
    const missing = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'x' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
  });
});
