import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.ts';
import { codebookFromIndices } from '../encoding/codebook.ts';
import { castDense } from '../encoding/dense.ts';
import { decode } from '../encoding/decode.ts';
import type { Encoding } from '../encoding/types.ts';
import { modelFromTensors } from '../model/model-from-tensors.ts';
import { replaceParams } from '../model/replace-params.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import type { Batch } from './batch-data.ts';
import { loadRunnable, runnableKind } from './load-runnable.ts';
import { denseLayer, mlpModel, mlpReference, randomMatrix } from './runner.test-support.ts';

// Loading the backend (and the tfjs modules the test bundler transforms) can take a while on a busy machine.
beforeAll(async () => {
  await useBackend('cpu');
}, 120_000);

const model = mlpModel();
const rows = 7;
const inputs = randomMatrix(rows, 4, 9);

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let index = 0; index < expected.length; index++) expect(Math.abs(Number(actual[index]) - Number(expected[index]))).toBeLessThan(tolerance);
}

/** The rows `[start, end)` of `inputs` as a tfjs batch. */
function slice(start: number, end: number): tf.Tensor2D {
  return tf.tensor2d(inputs.subarray(start * 4, end * 4), [end - start, 4]);
}

describe('loadRunnable on a Keras model', () => {
  it('predicts what the plain maths of its params gives, from tfjs tensors or host data', async () => {
    const runnable = await loadRunnable(model);
    try {
      expect(runnable.kind).toBe('layers');
      expect(runnable.inputs).toEqual([{ name: expect.any(String), shape: [null, 4] }]);
      const expected = mlpReference(model, inputs, rows).outputs;
      const fromHost = runnable.predict(hostTensor('float32', [rows, 4], inputs)) as tf.Tensor;
      const batch = slice(0, rows);
      const fromTensor = runnable.predict(batch) as tf.Tensor;
      expect(fromHost.shape).toEqual([rows, 3]);
      expectClose(await fromHost.data(), expected);
      expectClose(await fromTensor.data(), expected);
      expect(batch.isDisposed).toBe(false);
      tf.dispose([fromHost, fromTensor, batch]);
    } finally {
      runnable.dispose();
    }
  });

  it('predicts relu(x·W + b) for any Dense layer (property)', async () => {
    const layer = fc.record({ inputs: fc.integer({ min: 1, max: 9 }), units: fc.integer({ min: 1, max: 9 }), rows: fc.integer({ min: 1, max: 5 }), seed: fc.nat() });
    await fc.assert(
      fc.asyncProperty(layer, async ({ inputs: width, units, rows: count, seed }) => {
        const kernel = randomMatrix(width, units, seed);
        const bias = randomMatrix(1, units, seed + 1);
        const x = randomMatrix(count, width, seed + 2);
        const topology = { class_name: 'Sequential', config: { layers: [{ class_name: 'Dense', config: { name: 'd', units, activation: 'relu', batch_input_shape: [null, width] } }] } };
        const dense = modelFromTensors({ 'd/kernel': hostTensor('float32', [width, units], kernel), 'd/bias': hostTensor('float32', [units], bias) }, { topology });
        const runnable = await loadRunnable(dense);
        try {
          const output = runnable.predict(hostTensor('float32', [count, width], x)) as tf.Tensor;
          const actual = await output.data();
          output.dispose();
          expectClose(actual, denseLayer(x, count, kernel, width, units, bias, true));
        } finally {
          runnable.dispose();
        }
      }),
      { numRuns: 12 },
    );
  });

  it('runs every encoding as what it decodes to', async () => {
    const codebook = codebookFromIndices({
      shape: [4, 5],
      centroids: { dtype: 'float32', shape: [4], data: Float32Array.of(-0.75, -0.25, 0.25, 0.75) },
      indices: Array.from({ length: 20 }, (_, index) => (index * 7) % 4),
    });
    const compressed = replaceParams(
      model,
      new Map<string, Encoding>([
        ['hidden/kernel', codebook],
        ['head/kernel', castDense(decode(model.params.get('head/kernel')!.value), 'float16')],
      ]),
    );
    const runnable = await loadRunnable(compressed);
    try {
      const output = runnable.predict(hostTensor('float32', [rows, 4], inputs)) as tf.Tensor;
      expectClose(await output.data(), mlpReference(compressed, inputs, rows).outputs);
      // The compressed model is a different model: its outputs differ from the float one's.
      const float = mlpReference(model, inputs, rows).outputs;
      expect(Array.from(await output.data()).some((value, index) => Math.abs(value - float[index]!) > 1e-3)).toBe(true);
      output.dispose();
    } finally {
      runnable.dispose();
    }
  });

  it('captures the inputs of layers named by layer or by param, across batches of any size', async () => {
    const runnable = await loadRunnable(model);
    try {
      const data: Batch[] = [{ inputs: slice(0, 3) }, { inputs: hostTensor('float32', [4, 4], inputs.slice(12)) }];
      const captured = await runnable.captureInputs(['head', 'hidden/kernel'], data);
      expect([...captured.keys()]).toEqual(['head', 'hidden/kernel']);
      expect(captured.get('hidden/kernel')).toEqual(hostTensor('float32', [rows, 4], inputs));
      expect(captured.get('head')!.shape).toEqual([rows, 5]);
      expectClose(captured.get('head')!.data, mlpReference(model, inputs, rows).hidden);
      tf.dispose((data[0]!.inputs as tf.Tensor));
    } finally {
      runnable.dispose();
    }
  });

  it('streams captured batches to a callback, freeing each after it', async () => {
    const runnable = await loadRunnable(model);
    try {
      const seen: Array<{ batch: number; shape: number[]; tensor: tf.Tensor }> = [];
      let calls = 0;
      const data = function* (): Generator<Batch> {
        calls++;
        yield { inputs: hostTensor('float32', [2, 4], inputs.slice(0, 8)) };
        yield { inputs: hostTensor('float32', [5, 4], inputs.slice(8)) };
      };
      await runnable.captureInputs(['head'], data, async ({ batch, inputs: byName }) => {
        const tensor = byName.get('head')!;
        expect(tensor.isDisposed).toBe(false);
        seen.push({ batch, shape: tensor.shape, tensor });
      });
      expect(calls).toBe(1);
      expect(seen.map(({ batch, shape }) => [batch, shape])).toEqual([
        [0, [2, 5]],
        [1, [5, 5]],
      ]);
      expect(seen.every(({ tensor }) => tensor.isDisposed)).toBe(true);
    } finally {
      runnable.dispose();
    }
  });

  it('capturing in any split of the data gives the same rows as one batch (property)', async () => {
    const runnable = await loadRunnable(model);
    try {
      const whole = await runnable.captureInputs(['head'], [{ inputs: hostTensor('float32', [rows, 4], inputs) }]);
      await fc.assert(
        fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: rows - 1 }), { maxLength: rows - 1 }), async (cuts) => {
          const bounds = [0, ...[...cuts].sort((a, b) => a - b), rows];
          const data = bounds.slice(1).map((end, index) => ({ inputs: hostTensor('float32', [end - bounds[index]!, 4], inputs.slice(bounds[index]! * 4, end * 4)) }));
          const split = await runnable.captureInputs(['head'], data);
          expectClose(split.get('head')!.data, whole.get('head')!.data, 1e-6);
        }),
        { numRuns: 15 },
      );
    } finally {
      runnable.dispose();
    }
  });

  it('evaluates accuracy, mean squared error and a custom metric over every sample', async () => {
    const runnable = await loadRunnable(model);
    try {
      const outputs = mlpReference(model, inputs, rows).outputs;
      const argmax = (row: number): number => [0, 1, 2].reduce((best, column) => (outputs[row * 3 + column]! > outputs[row * 3 + best]! ? column : best), 0);
      // Labels right on rows 0, 2 and 5 only.
      const labels = Int32Array.from({ length: rows }, (_, row) => ([0, 2, 5].includes(row) ? argmax(row) : (argmax(row) + 1) % 3));
      const targets = Float32Array.from({ length: rows * 3 }, (_, index) => index % 5);
      const batches = (withTargets: Float32Array | Int32Array, width: number): Batch[] => [
        { inputs: hostTensor('float32', [3, 4], inputs.slice(0, 12)), targets: width === 1 ? hostTensor('int32', [3], withTargets.slice(0, 3) as Int32Array) : hostTensor('float32', [3, width], withTargets.slice(0, 9) as Float32Array) },
        { inputs: hostTensor('float32', [4, 4], inputs.slice(12)), targets: width === 1 ? hostTensor('int32', [4], withTargets.slice(3) as Int32Array) : hostTensor('float32', [4, width], withTargets.slice(9) as Float32Array) },
      ];
      expect(await runnable.evaluate(batches(labels, 1), 'accuracy')).toBeCloseTo(3 / 7, 6);
      const oneHot = Float32Array.from({ length: rows * 3 }, (_, index) => (labels[Math.floor(index / 3)] === index % 3 ? 1 : 0));
      expect(await runnable.evaluate(batches(oneHot, 3), 'accuracy')).toBeCloseTo(3 / 7, 6);
      let squared = 0;
      for (let index = 0; index < rows * 3; index++) squared += (outputs[index]! - targets[index]!) ** 2;
      expect(await runnable.evaluate(batches(targets, 3), 'mean-squared-error')).toBeCloseTo(squared / (rows * 3), 4);
      let largest = 0;
      for (let row = 0; row < rows; row++) largest += outputs[row * 3 + argmax(row)]!;
      expect(await runnable.evaluate(batches(targets, 3), (output) => tf.max(output, 1))).toBeCloseTo(largest / rows, 4);
    } finally {
      runnable.dispose();
    }
  });

  it('refuses bad inputs, bad data and use after dispose with one-line WhittleErrors', async () => {
    const runnable = await loadRunnable(model);
    await expect(runnable.captureInputs(['nowhere'], [{ inputs: hostTensor('float32', [1, 4]) }])).rejects.toMatchObject({ code: 'invalid-argument', field: 'layers' });
    await expect(runnable.captureInputs([], [])).rejects.toMatchObject({ code: 'invalid-argument', field: 'layers' });
    expect(() => runnable.predict(hostTensor('float32', [2, 3]))).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'inputs', message: expect.not.stringContaining('\n') }));
    expect(() => runnable.predict({ dtype: 'float32', shape: [2, 4], data: new Float32Array(3) } as never)).toThrow(expect.objectContaining({ field: 'inputs' }));
    expect(() => runnable.predict('pixels' as never)).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'inputs' }));
    await expect(runnable.evaluate([{ inputs: hostTensor('float32', [1, 4]) }], 'accuracy')).rejects.toMatchObject({ field: 'data[0].targets' });
    await expect(runnable.evaluate([], 'accuracy')).rejects.toMatchObject({ field: 'data' });
    await expect(runnable.evaluate((() => 3) as never, 'accuracy')).rejects.toMatchObject({ field: 'data' });
    await expect(runnable.evaluate([{ inputs: hostTensor('float32', [1, 4]), targets: hostTensor('int32', [2]) }], 'accuracy')).rejects.toMatchObject({ field: 'data[0].targets' });
    await expect(runnable.evaluate([{ inputs: hostTensor('float32', [1, 4]), targets: hostTensor('int32', [1]) }], 'recall' as never)).rejects.toMatchObject({ field: 'data[0].metric' });
    await expect(runnable.evaluate([{ inputs: hostTensor('float32', [2, 4]), targets: hostTensor('int32', [2]) }], () => tf.zeros([3]))).rejects.toMatchObject({ field: 'data[0].metric' });
    await expect(runnable.captureInputs(['head'], [{ inputs: hostTensor('float32', [1, 4]) }, { inputs: hostTensor('float32', [1, 2]) }])).rejects.toMatchObject({ field: 'data[1].inputs' });
    await expect(runnable.captureInputs(['head'], [{ images: 1 } as never])).rejects.toMatchObject({ field: 'data[0]' });
    runnable.dispose();
    expect(() => runnable.predict(hostTensor('float32', [1, 4]))).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'runnable' }));
  });

  it('refuses a model without a topology, saying it cannot run', async () => {
    const checkpoint = modelFromTensors({ 'fc.weight': hostTensor('float32', [3, 4]) });
    expect(() => runnableKind(checkpoint)).toThrow(/without a topology \(a bare checkpoint\) cannot run/);
    await expect(loadRunnable(checkpoint)).rejects.toMatchObject({ code: 'invalid-model', field: 'topology' });
  });

  it('refuses a topology tfjs cannot build with an invalid-model error', async () => {
    const broken = modelFromTensors({ 'hidden/kernel': hostTensor('float32', [4, 5]) }, { topology: { class_name: 'Sequential', config: { layers: [{ class_name: 'NoSuchLayer', config: { name: 'x' } }] } } });
    await expect(loadRunnable(broken)).rejects.toMatchObject({ code: 'invalid-model', message: expect.stringContaining('tfjs cannot load the model') });
  });
});
