import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.ts';
import { modelByteLength } from '../model/model-queries.ts';
import type { Model, Param } from '../model/types.ts';
import { compress } from '../recipe/compress.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import { chooseSettings } from './choose-settings.ts';
import { measureModel } from './measure-model.ts';
import { search } from './search.ts';
import { analyzeSensitivity } from './sensitivity.ts';
import { memorySensitivityCache, type SensitivityRecord } from './sensitivity-cache.ts';
import { argmaxRows, mlpOutputs, randomInputs, randomMlp, roundRegistry, roundSettings } from './search.test-support.ts';

const registry = roundRegistry();

beforeAll(async () => {
  await useBackend('cpu');
});

/** Mean over rows of KL(p₀ ‖ p), each row's softmax taken in float64: the oracle. */
function plainDivergence(reference: ArrayLike<number>, outputs: ArrayLike<number>, columns: number, softmax: boolean): number {
  const rows = reference.length / columns;
  const distribution = (values: ArrayLike<number>, row: number): number[] => {
    const slice = Array.from({ length: columns }, (_, column) => values[row * columns + column]!);
    if (!softmax) return slice;
    const largest = Math.max(...slice);
    const exponentials = slice.map((value) => Math.exp(value - largest));
    const total = exponentials.reduce((sum, value) => sum + value, 0);
    return exponentials.map((value) => value / total);
  };
  let total = 0;
  for (let row = 0; row < rows; row++) {
    const expected = distribution(reference, row);
    const actual = distribution(outputs, row);
    for (let column = 0; column < columns; column++) {
      if (expected[column]! > 0) total += expected[column]! * Math.log(expected[column]! / actual[column]!);
    }
  }
  return total / rows;
}

function fixture(sizes: readonly number[], seed: number, rows: number, outputActivation: 'linear' | 'softmax' = 'linear') {
  const model = randomMlp(sizes, seed, outputActivation);
  const inputs = randomInputs(rows, sizes[0]!, seed + 100);
  const labels = argmaxRows(mlpOutputs(model, sizes, inputs, rows), sizes.at(-1)!);
  const batches = [{ inputs: hostTensor('float32', [rows, sizes[0]!], inputs), targets: hostTensor('int32', [rows], labels) }];
  return { model, inputs, batches };
}

/** Settings of `test.round` on `dense_1/kernel` alone, at the widths given. */
function firstLayerAt(widths: readonly number[]) {
  return (param: Param) => (param.name === 'dense_1/kernel' ? roundSettings(param).filter(({ label }) => widths.some((bits) => label === `round ${bits}`)) : []);
}

describe('the divergence loss', () => {
  it('measures the mean KL divergence of the output rows as plain maths does, from logits', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 2, max: 5 }), async (seed, bits) => {
        const sizes = [5, 7, 4];
        const { model, inputs, batches } = fixture(sizes, seed, 16);
        const { model: changed } = await compress(model, [{ kind: 'test.round', bits, include: ['dense_1/kernel'] }], { registry });
        const reference = await measureModel(model, { batches }, { latency: false });
        expect(reference.scores).toBe('logits');
        expect(reference.measurement.divergence).toBe(0);
        const { measurement } = await measureModel(changed, { batches }, { latency: false, reference });
        const expected = plainDivergence(mlpOutputs(model, sizes, inputs, 16), mlpOutputs(changed, sizes, inputs, 16), 4, true);
        expect(Math.abs(measurement.divergence! - expected)).toBeLessThanOrEqual(1e-4 * expected + 1e-7);
      }),
      { numRuns: 8 },
    );
  });

  it('reads probability rows as they are, and measures none for outputs that are not class scores', async () => {
    const sizes = [5, 6, 3];
    const { model, inputs, batches } = fixture(sizes, 4, 12, 'softmax');
    const { model: changed } = await compress(model, [{ kind: 'test.round', bits: 2, include: ['dense_1/kernel'] }], { registry });
    const reference = await measureModel(model, { batches }, { latency: false });
    expect(reference.scores).toBe('probabilities');
    const { measurement } = await measureModel(changed, { batches }, { latency: false, reference });
    // mlpOutputs gives the logits; the model's outputs are their softmax, which the oracle takes.
    const expected = plainDivergence(mlpOutputs(model, sizes, inputs, 12), mlpOutputs(changed, sizes, inputs, 12), 3, true);
    expect(expected).toBeGreaterThan(0);
    expect(Math.abs(measurement.divergence! - expected)).toBeLessThanOrEqual(1e-3 * expected + 1e-6);

    const regression = randomMlp([4, 5, 1], 8);
    const unlabelled = [{ inputs: hostTensor('float32', [10, 4], randomInputs(10, 4, 3)) }];
    const one = await measureModel(regression, { batches: unlabelled }, { latency: false });
    expect(one.scores).toBeUndefined();
    expect(one.measurement.divergence).toBeUndefined();
    // Without class scores a search falls back on the output error, and refuses the divergence.
    const result = await search(regression, { target: { maxBytes: modelByteLength(regression) - 1 }, data: { batches: unlabelled }, registry, settings: roundSettings });
    expect(result.loss).toBe('output-error');
    await expect(
      search(regression, { target: { maxBytes: modelByteLength(regression) - 1 }, data: { batches: unlabelled }, registry, settings: roundSettings, loss: 'divergence' }),
    ).rejects.toMatchObject({ name: 'WhittleError', field: 'loss' });
  });

  it('ranks two settings that score the same accuracy, where the accuracy drop cannot, and the search takes the less damaging', async () => {
    const sizes = [6, 10, 4];
    const { model, inputs, batches } = fixture(sizes, 21, 48);
    const settings = firstLayerAt([8, 4]);
    const sensitivity = await analyzeSensitivity(model, { data: { batches }, registry, settings });
    const [layer] = sensitivity.layers;
    const [eight, four] = layer!.entries;
    expect([eight!.setting.label, four!.setting.label]).toEqual(['round 8', 'round 4']);
    // Both keep every one of the 48 labels: the accuracy drop is 0 for each, a tie.
    expect(eight!.metric).toBe(1);
    expect(four!.metric).toBe(1);
    const reference = mlpOutputs(model, sizes, inputs, 48);
    const divergences = [];
    for (const entry of [eight!, four!]) {
      const { model: changed } = await compress(model, entry.steps, { registry });
      const expected = plainDivergence(reference, mlpOutputs(changed, sizes, inputs, 48), 4, true);
      expect(Math.abs(entry.divergence! - expected)).toBeLessThanOrEqual(1e-4 * expected + 1e-7);
      divergences.push(expected);
    }
    expect(divergences[0]!).toBeLessThan(divergences[1]!);

    // A knapsack over the drop alone cannot tell them apart and takes the cheaper; over the divergence it takes 8 bits.
    const sizesOf = [layer!.bytes, eight!.bytes - sensitivity.baseline.bytes + layer!.bytes, four!.bytes - sensitivity.baseline.bytes + layer!.bytes];
    const budget = sizesOf[1]!;
    const byDrop = chooseSettings([[{ cost: sizesOf[0]!, loss: 0 }, { cost: sizesOf[1]!, loss: 1 - eight!.metric! }, { cost: sizesOf[2]!, loss: 1 - four!.metric! }]], budget);
    expect(byDrop?.picks).toEqual([2]);
    const totalBudget = sensitivity.baseline.bytes - layer!.bytes + budget;
    const result = await search(model, { target: { maxBytes: totalBudget }, data: { batches }, registry, sensitivity });
    expect(result.loss).toBe('divergence');
    expect(result.choices.find(({ param }) => param === 'dense_1/kernel')?.setting?.label).toBe('round 8');
    expect(result.measured.bytes).toBeLessThanOrEqual(totalBudget);
    expect(Math.abs(result.measured.divergence! - divergences[0]!)).toBeLessThanOrEqual(1e-4 * divergences[0]! + 1e-7);
  });

  it('measures again a cached record that lacks a divergence', async () => {
    const { model, batches } = fixture([5, 6, 3], 6, 16);
    const cache = memorySensitivityCache();
    await analyzeSensitivity(model, { data: { batches }, registry, settings: roundSettings, cache });
    const stripped = memorySensitivityCache(
      [...cache.entries()].map(([key, record]): [string, SensitivityRecord] => {
        const { divergence: _divergence, ...rest } = record;
        return [key, rest];
      }),
    );
    const cached: boolean[] = [];
    const again = await analyzeSensitivity(model, { data: { batches }, registry, settings: roundSettings, cache: stripped, onProgress: (progress) => cached.push(progress.cached) });
    expect(cached.length).toBeGreaterThan(0);
    expect(cached.every((flag) => !flag)).toBe(true);
    for (const layer of again.layers) for (const entry of layer.entries) expect(entry.divergence).toBeGreaterThanOrEqual(0);
  });
});

describe('verifying several plans', () => {
  it('returns, within the budget, the least measured loss of every plan and uniform recipe it verified', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 400 }), fc.double({ min: 0.3, max: 0.8, noNaN: true }), async (seed, fraction) => {
        const { model, batches } = fixture([6, 9, 7, 4], seed, 32);
        const budget = Math.floor(modelByteLength(model) * fraction);
        const result = await search(model, { target: { maxBytes: budget }, data: { batches }, registry, settings: roundSettings, plans: 6, planMargin: 10 });
        expect(result.measured.bytes).toBeLessThanOrEqual(budget);
        const lossOf = (candidate: { divergence?: number }): number => candidate.divergence!;
        const verified = result.candidates.filter(({ label }) => label.startsWith('recipe (') || label.startsWith('uniform: '));
        expect(verified.some(({ label }) => label.startsWith('recipe (round 1, plan '))).toBe(true);
        for (const candidate of verified) if (candidate.bytes <= budget) expect(lossOf(result.measured)).toBeLessThanOrEqual(lossOf(candidate));
        // The returned model is the recipe's, measured.
        const { model: again } = await compress(model, result.recipe, { registry });
        expect(modelByteLength(again)).toBe(result.measured.bytes);
      }),
      { numRuns: 6 },
    );
  });

  it('verifies the best plan alone with plans: 1, and refuses bad plan options and losses', async () => {
    const { model, batches } = fixture([5, 7, 3], 9, 16);
    const target = { maxBytes: Math.floor(modelByteLength(model) * 0.5) };
    const result = await search(model, { target, data: { batches }, registry, settings: roundSettings, plans: 1, uniform: false });
    expect(result.candidates.filter(({ label }) => label.startsWith('recipe (')).map(({ label }) => label)).toEqual(['recipe (round 1)']);
    for (const [options, field] of [
      [{ plans: 0 }, 'plans'],
      [{ plans: 1.5 }, 'plans'],
      [{ plans: 1e6 }, 'plans'],
      [{ planMargin: -1 }, 'planMargin'],
      [{ planMargin: Number.POSITIVE_INFINITY }, 'planMargin'],
      [{ loss: 'accuracy' }, 'loss'],
    ] as const) {
      await expect(search(model as Model, { target, data: { batches }, registry, settings: roundSettings, ...(options as object) })).rejects.toMatchObject({ name: 'WhittleError', field });
    }
  });
});
