/**
 * @whittle/prune's selection on ONNX initializers: its steps zero weights in the params, and the
 * writer stores the zeros dense, so a model onnxruntime runs gzips smaller.
 */
import { compress, createRecipeRegistry, decode } from '@whittle/core';
import { magnitude, nm, pruneHandlers } from '@whittle/prune';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { decodeModelProto, encodeModelProto } from '../protobuf/decode-model-proto.ts';
import { readOnnxModel } from '../model/read-onnx-model.ts';
import { writeOnnxModel } from '../model/write-onnx-model.ts';
import { onnxHandlers } from '../recipes/handlers.ts';
import { buildModelProto, TEST_MODELS } from '../test-support/test-models.ts';
import { randomFloats, runOnnx } from '../test-support/run-onnx.ts';

const registry = createRecipeRegistry([...pruneHandlers, ...onnxHandlers]);

/** Zeros in an initializer of the written model, read with plain float32 views. */
function zeroFraction(bytes: Uint8Array, name: string): number {
  const tensor = decodeModelProto(bytes).graph!.initializer.find((candidate) => candidate.name === name)!;
  const values = new Float32Array(tensor.rawData.slice().buffer);
  return values.filter((value) => value === 0).length / values.length;
}

describe('pruning ONNX initializers', () => {
  test('unstructured magnitude pruning zeros the weights, runs in onnxruntime and gzips smaller', async () => {
    const source = encodeModelProto(buildModelProto(TEST_MODELS.attention()));
    const { model } = await compress(await readOnnxModel(source), [magnitude({ sparsity: 0.75 })], { registry });
    const written = await writeOnnxModel(model);
    for (const weight of ['wq', 'wk', 'wv', 'wo']) expect(zeroFraction(written, weight)).toBeCloseTo(0.75, 2);
    // Norm scales and biases are not pruned.
    expect(zeroFraction(written, 'ln_scale')).toBe(0);
    expect(gzipSync(written).byteLength).toBeLessThan(0.6 * gzipSync(source).byteLength);
    const feeds = { x: { dims: [1, 4, 16], data: randomFloats(64, 4) } };
    const output = (await runOnnx(written, feeds)).y!.data as Float32Array;
    expect(output.every(Number.isFinite)).toBe(true);
  });

  test('2:4 pruning keeps at most two of every four weights along the input axis', async () => {
    const source = encodeModelProto(buildModelProto(TEST_MODELS.mlp()));
    const { model } = await compress(await readOnnxModel(source), [nm({ n: 2, m: 4 })], { registry });
    const written = await writeOnnxModel(model);
    const original = await readOnnxModel(source);
    const pruned = await readOnnxModel(written);
    const weight = decode(pruned.params.get('w1')!.value).data as Float32Array;
    const before = decode(original.params.get('w1')!.value).data as Float32Array;
    const [inputs, outputs] = [8, 16];
    for (let column = 0; column < outputs; column++) {
      for (let start = 0; start < inputs; start += 4) {
        const group = [0, 1, 2, 3].map((offset) => weight[(start + offset) * outputs + column]!);
        expect(group.filter((value) => value !== 0).length).toBeLessThanOrEqual(2);
        // What is kept is kept exactly.
        group.forEach((value, offset) => value !== 0 && expect(value).toBe(before[(start + offset) * outputs + column]));
      }
    }
    const feeds = { x: { dims: [2, 8], data: randomFloats(16, 3) } };
    expect(((await runOnnx(written, feeds)).y!.data as Float32Array).every(Number.isFinite)).toBe(true);
  });
});
