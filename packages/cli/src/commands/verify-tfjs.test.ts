import * as tf from '@tensorflow/tfjs-core';
import { seededRandom } from '@whittle/bench';
import { encodeModelProto } from '@whittle/onnx';
import { buildModelProto, mlpSpec } from '@whittle/onnx/test';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runRecorded } from '../test-io.ts';
import { createTestWorkspace, loadWithPlainTfjs, type TestWorkspace } from '../test-models.ts';

let workspace: TestWorkspace;

beforeAll(async () => {
  workspace = await createTestWorkspace('whittle-verify-tfjs-');
});

afterAll(async () => {
  await rm(workspace.directory, { recursive: true, force: true });
});

describe('whittle verify on TFJS models', () => {
  test('a model against itself agrees exactly, on every backend offered', async () => {
    for (const backend of ['cpu', 'wasm']) {
      const run = await runRecorded('verify', workspace.tfjsModel, join(workspace.tfjsModel, 'model.json'), '--json', '--dim', 'batch=4', '--backend', backend);
      expect(run.status, run.err).toBe(0);
      expect(JSON.parse(run.out).outputs).toEqual([{ name: 'output_0', cosine: 1, maxAbsError: 0, top1Agreement: 1 }]);
    }
  });

  test('stock uint8 against float32: the figures plain tfjs gives on the same inputs', async () => {
    const compressed = join(workspace.directory, 'out', 'uint8');
    const compress = await runRecorded('compress', workspace.tfjsModel, '--preset', 'uint8-stock', '-o', compressed, '--quiet');
    expect(compress.status, compress.err).toBe(0);
    const data = seededRandom(31).uniformArray(6 * 32).map((value) => value * 2 - 1);
    const inputs = join(workspace.directory, 'inputs.json');
    await writeFile(inputs, JSON.stringify({ input_0: { dims: [6, 32], data: [...data] } }));
    const run = await runRecorded('verify', workspace.tfjsModel, compressed, '--inputs', inputs, '--json', '--backend', 'cpu', '--min-cosine', '0.99');
    expect(run.status, run.err).toBe(0);
    const [output] = JSON.parse(run.out).outputs;

    // The oracle: both models loaded by stock tfjs, compared with plain arithmetic.
    const predictions = [];
    for (const directory of [workspace.tfjsModel, compressed]) {
      const model = await loadWithPlainTfjs(directory);
      const batch = tf.tensor2d(Float32Array.from(data), [6, 32]);
      const result = model.predict(batch) as tf.Tensor;
      predictions.push(Float32Array.from(await result.data()));
      tf.dispose([batch, result]);
      model.dispose();
    }
    const [reference, candidate] = predictions as [Float32Array, Float32Array];
    let dot = 0;
    let a = 0;
    let b = 0;
    let maxAbsError = 0;
    let agree = 0;
    reference.forEach((value, index) => {
      dot += value * candidate[index]!;
      a += value * value;
      b += candidate[index]! ** 2;
      maxAbsError = Math.max(maxAbsError, Math.abs(value - candidate[index]!));
    });
    for (let row = 0; row < 6; row++) {
      const slice = (values: Float32Array) => [...values.subarray(row * 10, row * 10 + 10)];
      const top = (values: number[]) => values.indexOf(Math.max(...values));
      if (top(slice(reference)) === top(slice(candidate))) agree++;
    }
    expect(maxAbsError).toBeGreaterThan(0);
    expect(output.cosine).toBeCloseTo(dot / Math.sqrt(a * b), 6);
    expect(output.maxAbsError).toBeCloseTo(maxAbsError, 5);
    expect(output.top1Agreement).toBe(agree / 6);
  });

  test('a 2-bit model fails a cosine it cannot reach, with status 1', async () => {
    const compressed = join(workspace.directory, 'out', 'int2');
    expect((await runRecorded('compress', workspace.tfjsModel, '--recipe', '{"kind":"quantize.affine","bits":2}', '-o', compressed, '--quiet')).status).toBe(0);
    const run = await runRecorded('verify', workspace.tfjsModel, compressed, '--backend', 'cpu', '--min-cosine', '0.99999');
    expect(run.status).toBe(1);
    expect(run.out).toMatch(/output_0: cosine 0\.\d+, max abs error [\d.]+, top-1 agreement/);
    expect(run.err).toMatch(/int2.*under --min-cosine 0\.99999/);
  });

  test('an ONNX model against a TFJS one, and a checkpoint without a topology, are one-line errors naming the file', async () => {
    const onnx = join(workspace.directory, 'model.onnx');
    await writeFile(onnx, encodeModelProto(buildModelProto(mlpSpec())));
    const mixed = await runRecorded('verify', onnx, workspace.tfjsModel);
    expect(mixed.status).toBe(1);
    expect(mixed.err).toMatch(/mlp.*two \.onnx models or two TFJS models/);
    const checkpoint = await runRecorded('verify', workspace.safetensors, workspace.safetensors);
    expect(checkpoint.status).toBe(1);
    expect(checkpoint.err).toMatch(/model\.safetensors.*two \.onnx models or two TFJS models/);
    expect(checkpoint.err.trim().split('\n')).toHaveLength(1);
  });
});
