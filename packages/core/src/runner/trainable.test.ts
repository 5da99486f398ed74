import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import '../backend/register-gradients.ts';
import { useBackend } from '../backend/use-backend.ts';
import { castDense } from '../encoding/dense.ts';
import { decode } from '../encoding/decode.ts';
import { modelFromTensors } from '../model/model-from-tensors.ts';
import { replaceParams } from '../model/replace-params.ts';
import { hostTensor, toFloat32 } from '../tensor/host-tensor.ts';
import type { Batch } from './batch-data.ts';
import { loadTrainable } from './trainable.ts';
import { mlpModel, randomMatrix } from './runner.test-support.ts';

// Loading the backend (and the tfjs modules the test bundler transforms) can take a while on a busy machine.
beforeAll(async () => {
  await useBackend('cpu');
}, 120_000);

/** y = x · [2, -3] + 1, a linear fit a Dense layer can learn exactly. */
function regressionBatches(): Batch[] {
  const x = randomMatrix(32, 2, 5);
  const y = Float32Array.from({ length: 32 }, (_, row) => 2 * x[row * 2]! - 3 * x[row * 2 + 1]! + 1);
  return [0, 16].map((start) => ({
    inputs: hostTensor('float32', [16, 2], x.slice(start * 2, (start + 16) * 2)),
    targets: hostTensor('float32', [16, 1], y.slice(start, start + 16)),
  }));
}

function linearModel() {
  const topology = {
    class_name: 'Sequential',
    config: { name: 'linear', layers: [{ class_name: 'Dense', config: { name: 'fit', units: 1, use_bias: true, batch_input_shape: [null, 2] } }] },
  };
  return modelFromTensors({ 'fit/kernel': hostTensor('float32', [2, 1]), 'fit/bias': hostTensor('float32', [1]) }, { topology });
}

describe('loadTrainable', () => {
  it('trains for several epochs over re-read data and gives back the model with the learned weights', async () => {
    const model = linearModel();
    const optimizer = tf.train.sgd(0.3);
    const trainable = await loadTrainable(model);
    let reads = 0;
    const data = function* (): Generator<Batch> {
      reads++;
      yield* regressionBatches();
    };
    try {
      const epochs: number[] = [];
      const losses = await trainable.fit(data, { epochs: 40, optimizer, loss: 'meanSquaredError', onEpoch: (epoch) => epochs.push(epoch) });
      expect(reads).toBe(40);
      expect(epochs).toEqual(Array.from({ length: 40 }, (_, index) => index + 1));
      expect(losses[39]!).toBeLessThan(losses[0]! / 100);
      const trained = await trainable.toModel();
      expect([...trained.params.keys()]).toEqual(['fit/kernel', 'fit/bias']);
      expect(trained.topology).toBe(model.topology);
      expect(trained.params.get('fit/kernel')!.role).toBe('dense-kernel');
      const learned = decode(trained.params.get('fit/kernel')!.value);
      expect(learned.dtype).toBe('float32');
      expect(learned.data[0]).toBeCloseTo(2, 1);
      expect(learned.data[1]).toBeCloseTo(-3, 1);
      expect(decode(trained.params.get('fit/bias')!.value).data[0]).toBeCloseTo(1, 1);
      // The input model is untouched.
      expect(decode(model.params.get('fit/kernel')!.value).data).toEqual(new Float32Array(2));
    } finally {
      trainable.dispose();
      optimizer.dispose();
    }
  });

  it('keeps the encoding of a param training left alone, and decodes a trained one to float32', async () => {
    const base = mlpModel();
    const half = replaceParams(
      base,
      new Map([
        ['hidden/kernel', castDense(decode(base.params.get('hidden/kernel')!.value), 'float16')],
        ['head/kernel', castDense(decode(base.params.get('head/kernel')!.value), 'float16')],
      ]),
    );
    const trainable = await loadTrainable(half);
    const optimizer = tf.train.sgd(0.1);
    try {
      trainable.layersModel.getLayer('hidden').trainable = false;
      const batch: Batch = { inputs: hostTensor('float32', [8, 4], randomMatrix(8, 4, 7)), targets: hostTensor('float32', [8, 3], randomMatrix(8, 3, 8)) };
      await trainable.fit([batch], { optimizer, loss: 'meanSquaredError', epochs: 2 });
      const trained = await trainable.toModel();
      expect(trained.params.get('hidden/kernel')!.value).toBe(half.params.get('hidden/kernel')!.value);
      expect(trained.params.get('hidden/bias')!.value).toBe(half.params.get('hidden/bias')!.value);
      const head = trained.params.get('head/kernel')!.value;
      expect(head.kind === 'dense' && head.tensor.dtype).toBe('float32');
      const before = toFloat32(decode(half.params.get('head/kernel')!.value)).data;
      expect(Array.from(decode(head).data).some((value, index) => value !== before[index])).toBe(true);
    } finally {
      trainable.dispose();
      optimizer.dispose();
    }
  });

  it('calls onBatch after every optimizer step, counting on across epochs, and awaits it before the next batch', async () => {
    const trainable = await loadTrainable(linearModel());
    const optimizer = tf.train.sgd(0.1);
    try {
      const kernel = trainable.layersModel.getLayer('fit').getWeights()[0]!;
      const seen: { step: number; loss: number; kernel: number[] }[] = [];
      let pending = 0;
      const losses = await trainable.fit(regressionBatches(), {
        optimizer,
        loss: 'meanSquaredError',
        epochs: 2,
        onBatch: async (step, loss) => {
          expect(pending).toBe(0);
          pending++;
          await new Promise((resolve) => setTimeout(resolve, 1));
          seen.push({ step, loss, kernel: Array.from(trainable.layersModel.getLayer('fit').getWeights()[0]!.dataSync()) });
          // A write here is what the next batch trains from (how pruning masks hold between steps).
          trainable.layersModel.getLayer('fit').setWeights([tf.tensor2d([[0], [0]]), trainable.layersModel.getLayer('fit').getWeights()[1]!]);
          pending--;
        },
      });
      expect(seen.map(({ step }) => step)).toEqual([1, 2, 3, 4]);
      // Each epoch's loss is the mean of its two batch losses.
      expect(losses[0]).toBeCloseTo((seen[0]!.loss + seen[1]!.loss) / 2, 5);
      expect(losses[1]).toBeCloseTo((seen[2]!.loss + seen[3]!.loss) / 2, 5);
      // Every step moved the kernel away from the zeros the hook wrote before it.
      for (const { kernel: values } of seen) expect(values.some((value) => value !== 0)).toBe(true);
      expect(Array.from(kernel.dataSync())).toEqual([0, 0]);
    } finally {
      trainable.dispose();
      optimizer.dispose();
    }
  });

  it('refuses bad options and batches without targets', async () => {
    const trainable = await loadTrainable(linearModel());
    const optimizer = tf.train.sgd(0.1);
    try {
      await expect(trainable.fit(regressionBatches(), { optimizer, loss: 'meanSquaredError', epochs: 0 })).rejects.toMatchObject({ field: 'epochs' });
      await expect(trainable.fit(regressionBatches(), { optimizer: 'adam' as never, loss: 'meanSquaredError' })).rejects.toMatchObject({ field: 'optimizer' });
      await expect(trainable.fit(regressionBatches(), { optimizer, loss: 'noSuchLoss' })).rejects.toMatchObject({ code: 'invalid-argument', field: 'loss' });
      await expect(trainable.fit([{ inputs: hostTensor('float32', [2, 2]) }], { optimizer, loss: 'meanSquaredError' })).rejects.toMatchObject({ field: 'data[0].targets' });
      await expect(trainable.fit([{ inputs: hostTensor('float32', [2, 3]), targets: hostTensor('float32', [2, 1]) }], { optimizer, loss: 'meanSquaredError' })).rejects.toMatchObject({
        code: 'invalid-argument',
        field: 'data[0]',
      });
    } finally {
      trainable.dispose();
      optimizer.dispose();
    }
    await expect(trainable.toModel()).rejects.toMatchObject({ field: 'trainable' });
  });
});
