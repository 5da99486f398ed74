/**
 * Every runner call leaves `tf.memory().numTensors` as it found it, whether it returns or throws
 * midway (a bad second batch, a callback or a metric that throws).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import '../backend/register-gradients.ts';
import { useBackend } from '../backend/use-backend.ts';
import { decode } from '../encoding/decode.ts';
import { modelFromTensors } from '../model/model-from-tensors.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import type { Batch } from './batch-data.ts';
import { fromLayersModel } from './from-layers-model.ts';
import { loadRunnable } from './load-runnable.ts';
import type { Runnable } from './runnable.ts';
import { loadTrainable } from './trainable.ts';
import { mlpModel, randomMatrix } from './runner.test-support.ts';

// Loading the backend (and the tfjs modules the test bundler transforms) can take a while on a busy machine.
beforeAll(async () => {
  await useBackend('cpu');
}, 120_000);

const model = mlpModel();

async function tensorsLeftBy(call: () => unknown): Promise<number> {
  const before = tf.memory().numTensors;
  try {
    await call();
  } catch {
    // Failing calls are measured too.
  }
  return tf.memory().numTensors - before;
}

const goodBatch = (rows: number, seed: number): Batch => ({
  inputs: hostTensor('float32', [rows, 4], randomMatrix(rows, 4, seed)),
  targets: hostTensor('int32', [rows], Int32Array.from({ length: rows }, (_, row) => row % 3)),
});
const badBatch: Batch = { inputs: hostTensor('float32', [2, 7]), targets: hostTensor('int32', [2]) };

describe('runner memory', () => {
  it('loading and disposing, or failing to load, keeps no tensor', async () => {
    expect(await tensorsLeftBy(async () => (await loadRunnable(model)).dispose())).toBe(0);
    const missingWeight = modelFromTensors({ 'hidden/kernel': hostTensor('float32', [4, 5]) }, { topology: model.topology });
    expect(await tensorsLeftBy(() => loadRunnable(missingWeight))).toBe(0);
    await expect(loadRunnable(missingWeight)).rejects.toMatchObject({ code: 'invalid-model' });
    expect(await tensorsLeftBy(async () => (await loadTrainable(model)).dispose())).toBe(0);
    const wrongShape = modelFromTensors({ ...Object.fromEntries([...model.params].map(([name, param]) => [name, decode(param.value)])), 'head/bias': hostTensor('float32', [4]) }, { topology: model.topology });
    expect(await tensorsLeftBy(() => loadRunnable(wrongShape))).toBe(0);
    const badLayer = { class_name: 'Sequential', config: { layers: [(model.topology as { config: { layers: unknown[] } }).config.layers[0], { class_name: 'NoSuchLayer', config: { name: 'x' } }] } };
    expect(await tensorsLeftBy(() => loadRunnable(modelFromTensors({ 'hidden/kernel': hostTensor('float32', [4, 5]), 'hidden/bias': hostTensor('float32', [5]) }, { topology: badLayer })))).toBe(0);
  });

  it('loading a graph and disposing it, or failing to build it, keeps no tensor', async () => {
    const node = (name: string, op: string, input: string[] = []) => ({ name, op, input, attr: { dtype: { type: 'DT_FLOAT' }, T: { type: 'DT_FLOAT' } } });
    const graph = (extra: object) => modelFromTensors({ w: hostTensor('float32', [4, 2]) }, { format: 'tfjs-graph', topology: { node: [node('x', 'Placeholder'), node('w', 'Const'), node('y', 'MatMul', ['x', 'w'])], ...extra } });
    expect(await tensorsLeftBy(async () => (await loadRunnable(graph({ versions: { producer: 1 } }))).dispose())).toBe(0);
    // A GraphDef without its versions is one tfjs-converter cannot build.
    await expect(loadRunnable(graph({}))).rejects.toMatchObject({ code: 'invalid-model' });
    expect(await tensorsLeftBy(() => loadRunnable(graph({})))).toBe(0);
  });

  describe('on a loaded model', () => {
    let runnable: Runnable;
    beforeAll(async () => {
      runnable = await loadRunnable(model);
    }, 60_000);

    it('predict, once its output is disposed, and when it throws', async () => {
      expect(await tensorsLeftBy(() => tf.dispose(runnable.predict(goodBatch(3, 1).inputs)))).toBe(0);
      expect(await tensorsLeftBy(() => runnable.predict(badBatch.inputs))).toBe(0);
      const input = tf.tensor2d(randomMatrix(2, 4, 2), [2, 4]);
      expect(await tensorsLeftBy(() => tf.dispose(runnable.predict(input)))).toBe(0);
      input.dispose();
    });

    it('captureInputs, accumulated or streamed, and when a batch, a callback or the data throws midway', async () => {
      const data = [goodBatch(3, 3), goodBatch(2, 4)];
      expect(await tensorsLeftBy(() => runnable.captureInputs(['hidden', 'head/kernel'], data))).toBe(0);
      expect(await tensorsLeftBy(() => runnable.captureInputs(['hidden', 'head'], data, () => undefined))).toBe(0);
      expect(await tensorsLeftBy(() => runnable.captureInputs(['head'], [goodBatch(2, 5), badBatch]))).toBe(0);
      const throwing = async ({ batch }: { batch: number }): Promise<void> => {
        if (batch === 1) throw new Error('stop');
      };
      expect(await tensorsLeftBy(() => runnable.captureInputs(['head'], data, throwing))).toBe(0);
      const failingSource = function* (): Generator<Batch> {
        yield goodBatch(2, 6);
        throw new Error('the source failed');
      };
      expect(await tensorsLeftBy(() => runnable.captureInputs(['head'], failingSource))).toBe(0);
    });

    it('evaluate, and when a batch or the metric throws midway', async () => {
      const data = [goodBatch(3, 7), goodBatch(4, 8)];
      expect(await tensorsLeftBy(() => runnable.evaluate(data, 'accuracy'))).toBe(0);
      expect(await tensorsLeftBy(() => runnable.evaluate(data, (outputs) => tf.sum(outputs, 1)))).toBe(0);
      expect(await tensorsLeftBy(() => runnable.evaluate([goodBatch(3, 9), { ...goodBatch(2, 10), targets: hostTensor('int32', [5]) }], 'accuracy'))).toBe(0);
      expect(await tensorsLeftBy(() => runnable.evaluate([goodBatch(3, 9), badBatch], 'mean-squared-error'))).toBe(0);
      let calls = 0;
      const failing = (outputs: tf.Tensor): tf.Tensor => {
        const values = tf.max(outputs, 1);
        if (++calls === 2) throw new Error('metric failed');
        return values;
      };
      expect(await tensorsLeftBy(() => runnable.evaluate(data, failing))).toBe(0);
      runnable.dispose();
    });
  });

  it('fit, toModel and fromLayersModel, and fit failing midway', async () => {
    const trainable = await loadTrainable(model);
    const optimizer = tf.train.sgd(0.01);
    const batch = (seed: number): Batch => ({ inputs: hostTensor('float32', [4, 4], randomMatrix(4, 4, seed)), targets: hostTensor('float32', [4, 3], randomMatrix(4, 3, seed + 1)) });
    try {
      expect(await tensorsLeftBy(() => trainable.fit([batch(1), batch(3)], { optimizer, loss: 'meanSquaredError', epochs: 2 }))).toBe(0);
      expect(await tensorsLeftBy(() => trainable.fit([batch(5), { inputs: hostTensor('float32', [4, 2]), targets: hostTensor('float32', [4, 3]) }], { optimizer, loss: 'meanSquaredError' }))).toBe(0);
      expect(await tensorsLeftBy(() => trainable.toModel())).toBe(0);
    } finally {
      trainable.dispose();
      optimizer.dispose();
    }
    const layersModel = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3] })] });
    expect(await tensorsLeftBy(() => fromLayersModel(layersModel))).toBe(0);
    layersModel.dispose();
  });
});
