/**
 * Test support: small checkpoint models of known values, and a plain reading of what a TFJS
 * output on disk holds (model.json parsed with JSON.parse, shard bytes concatenated), so tests
 * check outputs without whittle's reader.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { denseEncoding } from '../encoding/dense.ts';
import { createModel } from '../model/create-model.ts';
import type { Model } from '../model/types.ts';
import { hostTensor } from '../tensor/host-tensor.ts';

/** The model the kill test writes: 8 params of 256 Ki float32 (8 MiB), in 256 KiB shards. */
export const KILL_TEST_SHAPE = { count: 8, length: 256 * 1024, shardBytes: 256 * 1024 } as const;

/** A checkpoint of `count` float32 params of `length` values each, value `seed + param index + i / length`. */
export function sequenceModel(count: number, length: number, seed = 0): Model {
  return createModel({
    format: 'checkpoint',
    topology: null,
    params: Array.from({ length: count }, (_, index) => ({
      name: `p${index}`,
      role: 'other' as const,
      value: denseEncoding(
        hostTensor('float32', [length], Float32Array.from({ length }, (_, i) => seed + index + i / length))
      ),
    })),
  });
}

/** The float32 values a stock TFJS output on disk holds, by weight name, read with JSON.parse and plain file reads. */
export async function plainWeights(directory: string): Promise<Map<string, number[]>> {
  const json = JSON.parse(await readFile(join(directory, 'model.json'), 'utf8')) as {
    weightsManifest: Array<{ paths: string[]; weights: Array<{ name: string; shape: number[] }> }>;
  };
  const weights = new Map<string, number[]>();
  for (const group of json.weightsManifest) {
    const parts = await Promise.all(group.paths.map((path) => readFile(join(directory, path))));
    const bytes = new Uint8Array(Buffer.concat(parts));
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let offset = 0;
    for (const weight of group.weights) {
      const size = weight.shape.reduce((product, dimension) => product * dimension, 1);
      weights.set(weight.name, Array.from({ length: size }, (_, i) => view.getFloat32(offset + 4 * i, true)));
      offset += 4 * size;
    }
  }
  return weights;
}
