import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { compress, createRecipeRegistry, decodeToFloat32, hostTensor, useBackend, validateRecipe, type TrainingData } from '@whittle/core';
import { classificationBatches, classifierModel, INPUTS } from './gradual.test-support.ts';
import { gradualHandler } from './gradual-handler.ts';
import { GRADUAL_KIND, gradual, validateGradualStep } from './gradual-step.ts';

beforeAll(async () => {
  await useBackend('cpu', { gradients: true });
}, 120_000);

const registry = createRecipeRegistry([gradualHandler]);
const training: TrainingData = { batches: classificationBatches(4, 32), loss: 'categoricalCrossentropy' };

describe('prune.gradual step', () => {
  it('builds plain JSON data that validates with defaults filled in', () => {
    const step = gradual({ finalSparsity: 0.9, endStep: 100, epochs: 3, storage: { layout: 'csr', valueBits: 5 }, exclude: ['head/**'] });
    expect(step).toStrictEqual({ kind: GRADUAL_KIND, finalSparsity: 0.9, endStep: 100, epochs: 3, storage: { layout: 'csr', valueBits: 5 }, exclude: ['head/**'] });
    expect(JSON.parse(JSON.stringify(step))).toStrictEqual(step);
    expect(validateGradualStep(step, { step: 1 })).toStrictEqual({
      kind: GRADUAL_KIND,
      schedule: { kind: 'polynomial', initialSparsity: 0, finalSparsity: 0.9, beginStep: 0, endStep: 100, frequency: 100 },
      hasFinalSparsity: true,
      epochs: 3,
      learningRate: 0.001,
      optimizer: 'adam',
      scope: 'layer',
      storage: { layout: 'csr', valueBits: 5 },
      exclude: ['head/**'],
    });
    expect(validateRecipe([gradualHandler.example!], registry)).toHaveLength(1);
  });

  it.each([
    [{ finalSparsity: 0.5 }, 'endStep'],
    [{ endStep: 4 }, 'finalSparsity'],
    [{ finalSparsity: 0.5, endStep: 4, epochs: 0 }, 'epochs'],
    [{ finalSparsity: 0.5, endStep: 4, batchSize: 0 }, 'batchSize'],
    [{ finalSparsity: 0.5, endStep: 4, learningRate: 0 }, 'learningRate'],
    [{ finalSparsity: 0.5, endStep: 4, learningRate: Number.POSITIVE_INFINITY }, 'learningRate'],
    [{ finalSparsity: 0.5, endStep: 4, optimizer: 'lion' }, 'optimizer'],
    [{ finalSparsity: 0.5, endStep: 4, scope: 'model' }, 'scope'],
    [{ finalSparsity: 0.5, endStep: 4, storage: 'csr' }, 'storage'],
    [{ finalSparsity: 0.5, endStep: 4, storage: { layout: 'coo' } }, 'storage.layout'],
    [{ finalSparsity: 0.5, endStep: 4, storage: { indexBits: 12 } }, 'storage.indexBits'],
    [{ finalSparsity: 0.5, endStep: 4, storage: { layuot: 'csr' } }, 'storage.layuot'],
    [{ finalSparsity: 0.5, endStep: 4, sparsity: 0.5 }, 'sparsity'],
    [{ finalSparsity: 0.5, endStep: 4, include: 'dense' }, 'include'],
  ])('refuses %j naming %s', (fields, field) => {
    expect(() => validateGradualStep({ kind: GRADUAL_KIND, ...fields }, { step: 2 })).toThrow(expect.objectContaining({ code: 'invalid-recipe', field, step: 2 }));
  });
});

describe('prune.gradual through compress', () => {
  it('trains, prunes to the final sparsity per tensor and stores the result sparse', async () => {
    const model = classifierModel();
    const { model: pruned, steps } = await compress(model, [gradual({ finalSparsity: 0.8, endStep: 8, frequency: 2, epochs: 3, batchSize: 16, learningRate: 0.01 })], {
      registry,
      resources: { training },
    });
    expect(steps[0]!.bytesAfter).toBeLessThan(steps[0]!.bytesBefore / 2);
    expect(steps[0]!.notes).toEqual([]);
    for (const name of ['hidden/kernel', 'head/kernel']) {
      const param = pruned.params.get(name)!;
      expect(param.value.kind).toBe('sparse');
      const values = decodeToFloat32(param.value).data;
      expect(Math.abs(values.filter((value) => value === 0).length - 0.8 * values.length)).toBeLessThanOrEqual(1);
    }
    // Biases are not weights: trained, stored dense.
    expect(pruned.params.get('hidden/bias')!.value.kind).toBe('dense');
  });

  it('notes when training ends before endStep', async () => {
    const { steps } = await compress(classifierModel(), [gradual({ finalSparsity: 0.9, endStep: 1000, frequency: 2, epochs: 1 })], { registry, resources: { training } });
    expect(steps[0]!.notes).toEqual([expect.stringMatching(/^training took 4 optimizer steps, fewer than endStep 1000: the weights are [\d.]+% sparse, not 90\.0%/)]);
  });

  it('names the missing or malformed training resource and a bad batch in it', async () => {
    const step = gradual({ finalSparsity: 0.5, endStep: 2 });
    await expect(compress(classifierModel(), [step], { registry })).rejects.toMatchObject({ code: 'missing-resource', field: 'resources.training', step: 1 });
    await expect(compress(classifierModel(), [step], { registry, resources: { training: { batches: training.batches, loss: 3 } } })).rejects.toMatchObject({
      code: 'invalid-argument',
      field: 'resources.training',
      message: expect.stringContaining('loss must be'),
    });
    await expect(compress(classifierModel(), [step], { registry, resources: { training: [] } })).rejects.toMatchObject({ field: 'resources.training' });
    const noTargets: TrainingData = { batches: [{ inputs: hostTensor('float32', [4, INPUTS]) }], loss: 'meanSquaredError' };
    await expect(compress(classifierModel(), [step], { registry, resources: { training: noTargets } })).rejects.toMatchObject({
      field: 'resources.training.batches[0].targets',
      step: 1,
    });
    await expect(compress(classifierModel(), [step], { registry, resources: { training: { ...training, loss: 'noSuchLoss' } } })).rejects.toMatchObject({
      field: 'resources.training.loss',
      step: 1,
    });
    await expect(gradualHandler.apply(classifierModel(), validateGradualStep(step, { step: 4 }), { step: 4, resources: { training: 'digits' } })).rejects.toMatchObject({
      field: 'resources.training',
      step: 4,
    });
  });

  it('refuses a filter that selects no weight, naming the step', async () => {
    await expect(compress(classifierModel(), [gradual({ finalSparsity: 0.5, endStep: 2, include: ['nothing/**'] })], { registry, resources: { training } })).rejects.toMatchObject({
      step: 1,
    });
  });
});
