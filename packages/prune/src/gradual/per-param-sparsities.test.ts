import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { compress, createRecipeRegistry, decodeToFloat32, useBackend, type TrainingData } from '@whittle/core';
import { classificationBatches, classifierModel, CLASSES, HIDDEN, INPUTS } from './gradual.test-support.ts';
import { gradualHandler } from './gradual-handler.ts';
import { GRADUAL_KIND, gradual, validateGradualStep } from './gradual-step.ts';
import { polynomialSchedule, sparsityAt } from './polynomial-schedule.ts';
import { trainPruned } from './train-pruned.ts';

beforeAll(async () => {
  await useBackend('cpu', { gradients: true });
}, 120_000);

const registry = createRecipeRegistry([gradualHandler]);
const training: TrainingData = { batches: classificationBatches(4, 32), loss: 'categoricalCrossentropy' };
const SIZES: Record<string, number> = { 'hidden/kernel': INPUTS * HIDDEN, 'head/kernel': HIDDEN * CLASSES };

function zeroCount(values: ArrayLike<number>): number {
  let zeros = 0;
  for (let index = 0; index < values.length; index++) if (values[index] === 0) zeros++;
  return zeros;
}

describe('prune.gradual sparsities: validation', () => {
  it('keeps per-param targets as plain data beside or instead of finalSparsity', () => {
    const step = gradual({ sparsities: { 'hidden/kernel': 0.92, 'head/*': 0.74 }, endStep: 40, frequency: 4 });
    expect(JSON.parse(JSON.stringify(step))).toStrictEqual({ kind: GRADUAL_KIND, sparsities: { 'hidden/kernel': 0.92, 'head/*': 0.74 }, endStep: 40, frequency: 4 });
    const config = validateGradualStep(step, { step: 1 });
    expect(config).toMatchObject({ sparsities: { 'hidden/kernel': 0.92, 'head/*': 0.74 }, hasFinalSparsity: false, schedule: { finalSparsity: 0.92 } });
    expect(validateGradualStep({ ...step, finalSparsity: 0.5 }, { step: 1 })).toMatchObject({ hasFinalSparsity: true, schedule: { finalSparsity: 0.5 } });
  });

  it.each([
    [{ sparsities: null }, 'sparsities'],
    [{ sparsities: [] }, 'sparsities'],
    [{ sparsities: {} }, 'sparsities'],
    [{ sparsities: 0.9 }, 'sparsities'],
    [{ sparsities: { 'a/*': 1 } }, 'sparsities["a/*"]'],
    [{ sparsities: { 'a/*': -0.1 } }, 'sparsities["a/*"]'],
    [{ sparsities: { 'a/*': Number.NaN } }, 'sparsities["a/*"]'],
    [{ sparsities: { 'a/*': '0.5' } }, 'sparsities["a/*"]'],
    [{ sparsities: { '': 0.5 } }, 'sparsities[""]'],
    [{ sparsities: { 'a/*': 0.5 }, scope: 'global' }, 'sparsities'],
    [{ sparsities: Object.fromEntries(Array.from({ length: 300 }, (_, index) => [`p${index}`, 0.5])) }, 'sparsities'],
  ])('refuses %j naming %s', (fields, field) => {
    expect(() => validateGradualStep({ kind: GRADUAL_KIND, endStep: 4, ...fields }, { step: 2 })).toThrow(expect.objectContaining({ code: 'invalid-recipe', field, step: 2 }));
  });

  it('refuses a glob that matches no selected param, and a param without a target, before training', async () => {
    await expect(compress(classifierModel(), [gradual({ sparsities: { 'hiden/*': 0.5 }, finalSparsity: 0.5, endStep: 2 })], { registry, resources: { training } })).rejects.toMatchObject({
      code: 'invalid-recipe',
      field: 'sparsities["hiden/*"]',
      step: 1,
    });
    await expect(compress(classifierModel(), [gradual({ sparsities: { 'hidden/*': 0.5 }, endStep: 2 })], { registry, resources: { training } })).rejects.toMatchObject({
      code: 'invalid-recipe',
      field: 'finalSparsity',
      step: 1,
    });
    const optimizer = tf.train.sgd(0.1);
    try {
      const schedule = polynomialSchedule({ finalSparsity: 0.5, endStep: 2 });
      await expect(trainPruned(classifierModel(), { schedule, sparsities: { 'hidden/*': 1 }, data: training.batches, loss: training.loss, optimizer })).rejects.toMatchObject({
        code: 'invalid-argument',
        field: 'sparsities["hidden/*"]',
      });
      await expect(trainPruned(classifierModel(), { schedule, sparsities: { 'hidden/*': 0.5 }, scope: 'global', data: training.batches, loss: training.loss, optimizer })).rejects.toMatchObject({
        field: 'sparsities',
      });
    } finally {
      optimizer.dispose();
    }
  });
});

describe('prune.gradual sparsities: each param ramps to its own target', () => {
  it('meets every per-param target exactly, ramping on each param’s own schedule (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          hidden: fc.double({ min: 0, max: 0.97, noNaN: true }),
          head: fc.double({ min: 0, max: 0.97, noNaN: true }),
          fallback: fc.option(fc.double({ min: 0, max: 0.97, noNaN: true }), { nil: undefined }),
          initialSparsity: fc.double({ min: 0, max: 0.5, noNaN: true }),
          endStep: fc.integer({ min: 0, max: 8 }),
          frequency: fc.integer({ min: 1, max: 3 }),
        }),
        async ({ hidden, head, fallback, initialSparsity, endStep, frequency }) => {
          // Without a fallback every param needs its own glob; with one, the head takes it.
          const sparsities: Record<string, number> = fallback === undefined ? { 'hidden/kernel': hidden, 'head/*': head } : { 'hidden/kernel': hidden };
          const targets: Record<string, number> = { 'hidden/kernel': hidden, 'head/kernel': fallback ?? head };
          const schedule = polynomialSchedule({ initialSparsity: Math.min(initialSparsity, fallback ?? 0.97), finalSparsity: fallback ?? 0.97, endStep, frequency });
          const optimizer = tf.train.adam(0.01);
          try {
            const result = await trainPruned(classifierModel(), {
              schedule,
              sparsities,
              data: training.batches,
              loss: training.loss,
              optimizer,
              epochs: 3,
              include: ['*/kernel'],
              onBatch: ({ step, sparsities: now }) => {
                for (const [name, target] of Object.entries(targets)) {
                  const own = polynomialSchedule({ ...schedule, initialSparsity: Math.min(schedule.initialSparsity, target), finalSparsity: target });
                  expect(now.get(name)).toBe(sparsityAt(own, step));
                }
              },
            });
            for (const [name, target] of Object.entries(targets)) {
              expect(zeroCount(result.masks.get(name)!)).toBe(Math.round(target * SIZES[name]!));
              expect(zeroCount(decodeToFloat32(result.model.params.get(name)!.value).data)).toBeGreaterThanOrEqual(Math.round(target * SIZES[name]!));
            }
          } finally {
            optimizer.dispose();
          }
        },
      ),
      { numRuns: 10, seed: 3 },
    );
  }, 120_000);

  it('stores each layer sparse at its own share through compress', async () => {
    const step = gradual({ sparsities: { 'hidden/kernel': 0.92, 'head/kernel': 0.74 }, endStep: 8, frequency: 2, epochs: 3, learningRate: 0.01 });
    const { model: pruned, steps } = await compress(classifierModel(), [step], { registry, resources: { training } });
    expect(steps[0]!.notes).toEqual([]);
    for (const [name, target] of [['hidden/kernel', 0.92], ['head/kernel', 0.74]] as const) {
      const param = pruned.params.get(name)!;
      expect(param.value.kind).toBe('sparse');
      // Adam moves every kept weight off zero, so the zeros are exactly the pruned ones.
      expect(zeroCount(decodeToFloat32(param.value).data)).toBe(Math.round(target * SIZES[name]!));
    }
  }, 60_000);
});
