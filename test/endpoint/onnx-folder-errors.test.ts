import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, InputError } from '../../src/errors.ts';
import { checkOnnxFolder, loadOnnxFolderModel, openTextEmbeddingModel, TRANSFORMERS_MODULE_ENV, TRANSFORMERS_PACKAGE } from '../../src/endpoint/models/index.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'memopt-onnx-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function inputError(promise: Promise<unknown>): Promise<InputError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  expect((error as InputError).exitCode).toBe(ExitCode.badInput);
  return error as InputError;
}

async function folderWith(name: string, files: string[]): Promise<string> {
  const folder = join(dir, name);
  await mkdir(join(folder, 'onnx'), { recursive: true });
  for (const file of files) await writeFile(join(folder, file), file.endsWith('.json') ? '{"hidden_size": 8}' : 'not really onnx');
  return folder;
}

describe('onnx:<folder>', () => {
  it('refuses a folder that does not exist, naming it', async () => {
    const missing = join(dir, 'no-such-model');
    const error = await inputError(openTextEmbeddingModel(`onnx:${missing}`));
    expect(error.message).toBe(`field '--model onnx:${missing}': model folder ${missing} does not exist`);
  });

  it('refuses a file given as the folder', async () => {
    const file = join(dir, 'model.onnx');
    await writeFile(file, 'x');
    expect((await inputError(loadOnnxFolderModel(file))).message).toMatch(/model\.onnx is a file, expected a transformers\.js model folder/);
  });

  it('lists every file an incomplete folder lacks', async () => {
    const folder = await folderWith('half', ['config.json']);
    const error = await inputError(loadOnnxFolderModel(folder));
    expect(error.message).toMatch(
      `incomplete transformers.js model folder ${folder}: missing tokenizer.json, tokenizer_config.json, onnx/model.onnx or onnx/model_quantized.onnx`,
    );
  });

  it('accepts a complete layout and picks the dtype from the weights file present', async () => {
    const fp32 = await folderWith('fp32', ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']);
    expect(checkOnnxFolder(fp32)).toEqual({ folder: fp32, modelFile: 'onnx/model.onnx', dtype: 'fp32' });
    const q8 = await folderWith('q8', ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx']);
    expect(checkOnnxFolder(q8).dtype).toBe('q8');
  });

  it(`says how to install ${TRANSFORMERS_PACKAGE} when a complete folder meets its absence`, async () => {
    const folder = await folderWith('complete', ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']);
    // A developer may have MEMOPT_TRANSFORMERS_MODULE exported (the README suggests it); this is the path without it.
    const saved = process.env[TRANSFORMERS_MODULE_ENV];
    delete process.env[TRANSFORMERS_MODULE_ENV];
    const error = await inputError(loadOnnxFolderModel(folder)).finally(() => {
      if (saved !== undefined) process.env[TRANSFORMERS_MODULE_ENV] = saved;
    });
    expect(error.message).toMatch(`${TRANSFORMERS_PACKAGE} is not installed (it is not a memopt dependency): install it with ONNXRUNTIME_NODE_INSTALL=skip npm install ${TRANSFORMERS_PACKAGE}`);
  });

  it(`says which module it could not import in place of ${TRANSFORMERS_PACKAGE}, from the option or ${TRANSFORMERS_MODULE_ENV}`, async () => {
    const folder = await folderWith('elsewhere', ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']);
    const absent = join(dir, 'no-such-peer', 'index.mjs');
    const fromOption = await inputError(openTextEmbeddingModel(`onnx:${folder}`, { transformersModule: absent }));
    expect(fromOption.message).toMatch(`cannot import ${absent} (named by ${TRANSFORMERS_MODULE_ENV} or transformersModule) in place of ${TRANSFORMERS_PACKAGE}: `);
    const saved = process.env[TRANSFORMERS_MODULE_ENV];
    process.env[TRANSFORMERS_MODULE_ENV] = absent;
    try {
      expect((await inputError(loadOnnxFolderModel(folder))).message).toMatch(`cannot import ${absent} (named by ${TRANSFORMERS_MODULE_ENV}`);
    } finally {
      if (saved === undefined) delete process.env[TRANSFORMERS_MODULE_ENV];
      else process.env[TRANSFORMERS_MODULE_ENV] = saved;
    }
  });

  it(`refuses a module that does not export ${TRANSFORMERS_PACKAGE}'s pipeline and env`, async () => {
    const folder = await folderWith('wrong-module', ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']);
    const module = join(dir, 'not-transformers.mjs');
    await writeFile(module, 'export const env = {};\n');
    const error = await inputError(loadOnnxFolderModel(folder, { transformersModule: module }));
    expect(error.message).toBe(`field '--model onnx:${folder}': ${module} (named by ${TRANSFORMERS_MODULE_ENV} or transformersModule) does not export ${TRANSFORMERS_PACKAGE}'s pipeline and env`);
  });

  it('refuses an unknown model name', async () => {
    expect((await inputError(openTextEmbeddingModel('minilm'))).message).toBe(`field '--model': unknown model 'minilm': expected 'use-lite' or 'onnx:<folder>'`);
    await inputError(openTextEmbeddingModel('onnx:'));
  });
});
