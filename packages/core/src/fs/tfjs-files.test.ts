import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { castDense } from '../encoding/dense.ts';
import { decode } from '../encoding/decode.ts';
import { WhittleError } from '../errors.ts';
import { artifactsFromSaved, readArtifacts } from '../formats/tfjs/stock-loader.test-support.ts';
import { writeTfjsArtifacts } from '../formats/tfjs/write-tfjs-artifacts.ts';
import { replaceParams } from '../model/replace-params.ts';
import type { Model } from '../model/types.ts';
import { tensorBits } from '../testing/bits.ts';
import { whittleFileHandler } from './tfjs-file-handler.ts';
import { readTfjsModelFile } from './tfjs-read.ts';
import { writeTfjsModelFiles } from './tfjs-write.ts';

let root: string;
let model: Model;
let layers: tfl.LayersModel;
const input = () => tf.tensor2d([[0.5, -1, 2, 0.25]]);

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'whittle-tfjs-'));
  layers = tfl.sequential({
    layers: [
      tfl.layers.dense({ units: 5, inputShape: [4], name: 'hidden' }),
      tfl.layers.dense({ units: 2, name: 'out' }),
    ],
  });
  let saved: tf.io.ModelArtifacts | undefined;
  await layers.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    })
  );
  model = await readArtifacts(artifactsFromSaved(saved!));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A stock `tf.io.http` handler fetching from a directory on disk: plain tfjs, no whittle. */
function stockDiskHandler(directory: string): tf.io.IOHandler {
  const fetchFunc = async (url: RequestInfo | URL) =>
    new Response(new Uint8Array(await readFile(join(directory, String(url).slice('http://disk.test/'.length)))));
  return tf.io.http('http://disk.test/model.json', { fetchFunc: fetchFunc as typeof fetch });
}

describe('TFJS artifacts on disk', () => {
  test('write then read (by file or directory) round-trips; stock output loads with plain tfjs', async () => {
    const directory = join(root, 'stock');
    const files = await writeTfjsModelFiles(model, directory, { shardBytes: 32 });
    expect(files.shards.length).toBeGreaterThan(2);
    expect((await readdir(directory)).sort()).toEqual(
      ['model.json', ...files.shards.map((path) => path.slice(directory.length + 1))].sort()
    );
    for (const path of [directory, files.modelJson]) {
      const back = await readTfjsModelFile(path);
      for (const [name, param] of model.params)
        expect(tensorBits(decode(back.params.get(name)!.value))).toEqual(tensorBits(decode(param.value)));
    }
    const loaded = await tfl.loadLayersModel(stockDiskHandler(directory));
    expect(Array.from((loaded.predict(input()) as tf.Tensor).dataSync())).toEqual(
      Array.from((layers.predict(input()) as tf.Tensor).dataSync())
    );
  });

  test('whittleFileHandler runs a non-stock output that plain tfjs refuses', async () => {
    const directory = join(root, 'compressed');
    const kernel = model.params.get('hidden/kernel')!;
    const compressed = replaceParams(model, new Map([['hidden/kernel', castDense(decode(kernel.value), 'bfloat16')]]));
    await writeTfjsModelFiles(compressed, directory, { weightPathPrefix: 'weights/' });
    await expect(tfl.loadLayersModel(stockDiskHandler(directory))).rejects.toThrow(/Unsupported dtype/);
    const loaded = await tfl.loadLayersModel(whittleFileHandler(join(directory, 'model.json')));
    const values = loaded.getLayer('hidden').getWeights()[0]!.dataSync() as Float32Array;
    expect(tensorBits({ dtype: 'float32', shape: [4, 5], data: values })).toEqual(
      tensorBits(decode(compressed.params.get('hidden/kernel')!.value))
    );
  });

  test('never over the input: not its files even with force, not beside it without force, not over existing output', async () => {
    const directory = join(root, 'input');
    await writeTfjsModelFiles(model, directory);
    const jsonPath = join(directory, 'model.json');
    const before = await readFile(jsonPath);
    for (const [inputs, force] of [
      [[jsonPath], false],
      [[directory], false],
      [[jsonPath], true],
      [[directory], true],
    ] as const) {
      await expect(writeTfjsModelFiles(model, directory, { inputs, force })).rejects.toMatchObject({
        code: 'invalid-argument',
      });
    }
    await expect(writeTfjsModelFiles(model, directory)).rejects.toMatchObject({ code: 'invalid-argument' });
    expect(await readFile(jsonPath)).toEqual(before);
    // Beside the input, under other names, force allows it.
    await writeTfjsModelFiles(model, join(directory, 'out'), { inputs: [jsonPath], force: true });
  });

  test('a failed write leaves no temporary file behind', async () => {
    const directory = join(root, 'failing');
    await mkdir(join(directory, 'model.json', 'occupied'), { recursive: true });
    await expect(writeTfjsModelFiles(model, directory, { force: true })).rejects.toBeInstanceOf(WhittleError);
    expect((await readdir(directory)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  test('escaping shard paths, URLs and missing shards are malformed-file errors naming model.json', async () => {
    const directory = join(root, 'hostile');
    await mkdir(directory, { recursive: true });
    await writeFile(join(root, 'secret.bin'), new Uint8Array(4));
    const { modelJson } = writeTfjsArtifacts(model);
    const jsonPath = join(directory, 'model.json');
    for (const [path, field] of [
      ['../secret.bin', /paths\[0\]$/],
      ['https://cdn.test/a.bin', /paths\[0\]$/],
      ['missing.bin', /paths\[0\]$/],
    ] as const) {
      await writeFile(
        jsonPath,
        JSON.stringify({ ...modelJson, weightsManifest: [{ ...modelJson.weightsManifest[0]!, paths: [path] }] })
      );
      const error = await readTfjsModelFile(directory).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'malformed-file', file: jsonPath });
      expect((error as WhittleError).field).toMatch(field);
    }
    await writeFile(jsonPath, '{ not json');
    await expect(readTfjsModelFile(jsonPath)).rejects.toMatchObject({ code: 'malformed-file', file: jsonPath });
    await expect(readTfjsModelFile(join(root, 'nowhere'))).rejects.toMatchObject({ code: 'invalid-argument' });
  });
});
