import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { formatOf, MODEL_FORMATS } from './model-format.ts';
import { locateModel, modelInputs } from './model-location.ts';

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'whittle-formats-'));
  await writeFile(join(directory, 'model.json'), '{}');
  await writeFile(join(directory, 'weights'), new Uint8Array([8, 0, 0, 0, 0, 0, 0, 0]));
  await writeFile(join(directory, 'brace'), '{"modelTopology":null}');
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

test('every format has its own name and is found by it', () => {
  const names = MODEL_FORMATS.map(({ name }) => name);
  expect(new Set(names).size).toBe(names.length);
  for (const format of MODEL_FORMATS) expect(formatOf({ format: format.name, path: 'x' })).toBe(format);
});

test('a path goes to the first format that claims it: by directory, by name, then by first byte', async () => {
  expect(await locateModel(directory)).toMatchObject({ format: 'tfjs', modelJson: join(directory, 'model.json') });
  expect(await locateModel(join(directory, 'model.json'))).toMatchObject({ format: 'tfjs', directory });
  expect(await locateModel(join(directory, 'brace'))).toMatchObject({ format: 'tfjs' });
  const safetensors = await locateModel(join(directory, 'weights'));
  expect(safetensors).toEqual({ format: 'safetensors', path: join(directory, 'weights') });
  expect(modelInputs(safetensors)).toEqual([join(directory, 'weights')]);
});

test('each format says where its output goes', async () => {
  const tfjs = await locateModel(directory);
  expect(formatOf(tfjs).writtenPath('out')).toBe(join('out', 'model.json'));
  await expect(formatOf(tfjs).outputPath(tfjs, 'out.safetensors')).rejects.toThrow('a TFJS model is written as a directory');
  const safetensors = await locateModel(join(directory, 'weights'));
  expect(await formatOf(safetensors).outputPath(safetensors, directory)).toEqual({ target: join(directory, 'weights'), existing: join(directory, 'weights') });
  await expect(formatOf(safetensors).outputPath(safetensors, 'out.json')).rejects.toThrow('written as a .safetensors file');
});
