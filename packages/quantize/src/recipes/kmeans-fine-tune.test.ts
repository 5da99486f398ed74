import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  classificationLoss,
  compress,
  createRecipeRegistry,
  decodeToFloat32,
  estimate,
  hostTensor,
  isPerParamRecipe,
  modelByteLength,
  useBackend,
  validateRecipe,
  type Model,
  type TrainingData,
} from '@whittle/core';
import { loadTrainable } from '@whittle/core/runner';
import { classificationBatches, classifierModel, INPUTS, scoreClassifier } from '../finetune/fine-tune.test-support.ts';
import { quantizeHandlers } from './handlers.ts';
import { kmeans } from './kmeans-step.ts';

const registry = createRecipeRegistry(quantizeHandlers);
const trainBatches = classificationBatches(8, 32, { seed: 5 });
const heldOut = classificationBatches(8, 32, { seed: 6 });
// The classifier ends in logits: softmax cross-entropy on them, as scoreClassifier measures.
const training: TrainingData = { batches: trainBatches, loss: classificationLoss };
let trained: Model;

beforeAll(async () => {
  await useBackend('cpu', { gradients: true });
  const trainable = await loadTrainable(classifierModel());
  const optimizer = tf.train.adam(0.03);
  try {
    await trainable.fit(trainBatches, { epochs: 30, optimizer, loss: classificationLoss });
    trained = await trainable.toModel();
  } finally {
    optimizer.dispose();
    trainable.dispose();
  }
}, 120_000);

const weightsOf = (model: Model) => (name: string) => decodeToFloat32(model.params.get(name)!.value).data;

describe('quantize.kmeans with fineTune', () => {
  it('lowers the training loss and keeps or raises held-out accuracy against no fine-tuning, at the same bytes', async () => {
    const { model: plain } = await compress(trained, [kmeans({ bits: 2 })], { registry });
    const step = kmeans({ bits: 2, fineTune: { epochs: 20, learningRate: 0.01, batchSize: 16 } });
    const { model: tuned, steps } = await compress(trained, [step], { registry, resources: { training } });
    const [before, after] = [scoreClassifier(weightsOf(plain), trainBatches), scoreClassifier(weightsOf(tuned), trainBatches)];
    expect(after.loss).toBeLessThan(before.loss * 0.9);
    expect(scoreClassifier(weightsOf(tuned), heldOut).accuracy).toBeGreaterThanOrEqual(scoreClassifier(weightsOf(plain), heldOut).accuracy);
    // The same encodings: only the centroid values (and the dense biases) differ.
    for (const name of ['hidden/kernel', 'head/kernel']) {
      const [a, b] = [plain.params.get(name)!.value, tuned.params.get(name)!.value];
      expect(b.kind).toBe('codebook');
      if (a.kind === 'codebook' && b.kind === 'codebook') {
        expect(b.indices).toEqual(a.indices);
        expect(b.centroids.data.length).toBe(a.centroids.data.length);
        expect(Array.from(b.centroids.data)).not.toEqual(Array.from(a.centroids.data));
      }
    }
    expect(steps[0]!.bytesAfter).toBe(modelByteLength(plain));
    expect(estimate(trained, step, { registry }).bytes).toBe(modelByteLength(tuned));
  }, 120_000);

  it('fine-tunes only what the step shares: an excluded kernel retrains as float32, a bias stays dense', async () => {
    const { model: tuned } = await compress(trained, [kmeans({ bits: 3, exclude: ['head/**'], fineTune: { epochs: 1 } })], { registry, resources: { training } });
    expect(tuned.params.get('hidden/kernel')!.value.kind).toBe('codebook');
    expect(tuned.params.get('head/kernel')!.value).toMatchObject({ kind: 'dense', tensor: { dtype: 'float32' } });
    expect(tuned.params.get('head/bias')!.value).toMatchObject({ kind: 'dense', tensor: { dtype: 'float32' } });
  }, 60_000);

  it('needs the whole model, and the training resource', async () => {
    const step = kmeans({ bits: 4, fineTune: { epochs: 1 } });
    expect(isPerParamRecipe([step], registry)).toBe(false);
    expect(isPerParamRecipe([kmeans({ bits: 4 })], registry)).toBe(true);
    await expect(compress(trained, [step], { registry })).rejects.toMatchObject({ code: 'missing-resource', field: 'resources.training', step: 1 });
    await expect(kmeansHandlerApply(step, {})).rejects.toMatchObject({ code: 'missing-resource', field: 'resources.training', step: 3 });
    await expect(kmeansHandlerApply(step, { training: { batches: trainBatches, loss: 7 } })).rejects.toMatchObject({ field: 'resources.training.loss', step: 3 });
    const noTargets: TrainingData = { batches: [{ inputs: hostTensor('float32', [4, INPUTS]) }], loss: 'categoricalCrossentropy' };
    await expect(compress(trained, [step], { registry, resources: { training: noTargets } })).rejects.toMatchObject({
      field: 'resources.training.batches[0].targets',
      step: 1,
    });
    await expect(compress(trained, [step], { registry, resources: { training: { ...training, loss: 'noSuchLoss' } } })).rejects.toMatchObject({
      field: 'resources.training.loss',
      step: 1,
    });
  }, 60_000);

  it('refuses hostile fineTune fields with a typed error naming each', () => {
    const rejects = (fineTune: unknown, field: string) =>
      expect(() => validateRecipe([{ kind: 'quantize.kmeans', bits: 4, fineTune }], registry)).toThrow(
        expect.objectContaining({ name: 'WhittleError', code: 'invalid-recipe', step: 1, field }),
      );
    for (const value of [null, [], 'twice', 3, true]) rejects(value, 'fineTune');
    rejects({}, 'fineTune.epochs');
    for (const epochs of [0, -1, 1.5, 1e9, Number.NaN, Number.POSITIVE_INFINITY, '2', null]) rejects({ epochs }, 'fineTune.epochs');
    for (const learningRate of [0, -0.1, 1e6, Number.NaN, Number.POSITIVE_INFINITY, '0.1']) rejects({ epochs: 1, learningRate }, 'fineTune.learningRate');
    for (const batchSize of [0, 2.5, -3, 2 ** 40, '32']) rejects({ epochs: 1, batchSize }, 'fineTune.batchSize');
    for (const optimizer of ['lion', '', 3]) rejects({ epochs: 1, optimizer }, 'fineTune.optimizer');
    rejects({ epochs: 1, momentum: 0.9 }, 'fineTune.momentum');
    expect(validateRecipe([kmeans({ bits: 6, fineTune: { epochs: 2 } })], registry)[0]).toMatchObject({ fineTune: { epochs: 2, learningRate: 1e-4, optimizer: 'adam' } });
    expect(JSON.parse(JSON.stringify(kmeans({ bits: 6, fineTune: { epochs: 2, batchSize: 50 } })))).toStrictEqual({ kind: 'quantize.kmeans', bits: 6, fineTune: { epochs: 2, batchSize: 50 } });
  });

  it('turns any fineTune value into a config or a typed error, never a crash (property)', () => {
    const field = fc.oneof(fc.anything(), fc.integer({ min: -3, max: 20 }), fc.double(), fc.constantFrom('adam', 'sgd', 'rmsprop'));
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.dictionary(fc.constantFrom('epochs', 'learningRate', 'batchSize', 'optimizer', '__proto__', 'x'), field)), (fineTune) => {
        try {
          validateRecipe([{ kind: 'quantize.kmeans', bits: 4, fineTune }], registry);
        } catch (error) {
          expect(error).toMatchObject({ name: 'WhittleError', code: 'invalid-recipe' });
          expect(String((error as Error).message).split('\n')).toHaveLength(1);
        }
      }),
      { numRuns: 500 },
    );
  });
});

async function kmeansHandlerApply(step: ReturnType<typeof kmeans>, resources: Record<string, unknown>): Promise<Model> {
  const handler = registry.get('quantize.kmeans')!;
  return handler.apply(trained, handler.validate(step, { step: 3 }), { step: 3, resources });
}
