import * as tf from '@tensorflow/tfjs-core';
import { channelGroups, readModelGraph, type ChannelGroup } from '@whittle/core/graph';
import { countParams, decodeToFloat32, type Model } from '@whittle/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { planStructuredPruning, pruneStructured } from './index.ts';
import { STRUCTURED_CASES, seededModel, silenceChannels, sizeOf, stockPredictions } from './structured-models.test-support.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The params (each a unique name) that produce a group's channels. */
function producers(group: ChannelGroup): string[] {
  return [...new Set(group.entries.filter((entry) => entry.effect === 'produces').map((entry) => entry.param))];
}

/** Shapes after removing `dropped` of `group`, computed from the group's lists alone. */
function expectedShapes(model: Model, group: ChannelGroup, dropped: readonly number[]): Map<string, number[]> {
  const removed = new Map<string, Map<number, Set<number>>>();
  for (const entry of group.entries) {
    const axes = removed.get(entry.param) ?? new Map<number, Set<number>>();
    removed.set(entry.param, axes);
    const set = axes.get(entry.axis) ?? new Set<number>();
    axes.set(entry.axis, set);
    for (const channel of dropped) for (const index of entry.indices[channel]!) set.add(index);
  }
  const shapes = new Map<string, number[]>();
  for (const [name, param] of model.params) {
    const shape = [...param.shape];
    for (const [axis, set] of removed.get(name) ?? []) shape[axis]! -= set.size;
    shapes.set(name, shape);
  }
  return shapes;
}

function close(after: Float32Array, before: Float32Array): void {
  expect(after.length).toBe(before.length);
  after.forEach((value, index) => expect(Math.abs(value - before[index]!)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(before[index]!))));
}

describe('pruneStructured on every kind of coupling', () => {
  for (const structuredCase of STRUCTURED_CASES) {
    test(`${structuredCase.name}: removing channels whose outgoing weights are zero keeps outputs; params drop by what the group lists; stock tfjs loads it`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.nat(50),
          fc.nat(),
          fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
          fc.constantFrom('importance', 'l1', 'l2'),
          async (seed, pick, mask, ranking) => {
            const model = await seededModel(structuredCase, seed);
            const groups = channelGroups(readModelGraph(model), model).filter((group) => group.prunable && group.channels > 1);
            expect(groups.length).toBeGreaterThan(0);
            const group = groups[pick % groups.length]!;
            const all = Array.from({ length: group.channels }, (_, channel) => channel);
            let dropped = all.filter((channel) => mask[channel] === true);
            if (dropped.length === 0 || dropped.length === all.length) dropped = [pick % group.channels];
            // With a norm, every weight of the dropped channels is zeroed, so they score lowest;
            // with the user's importance only their outgoing weights are, and it ranks them lowest.
            const silent = silenceChannels(model, group, dropped, ranking !== 'importance');
            const { model: pruned, plan } = pruneStructured(silent, {
              sparsity: (dropped.length + 0.5) / group.channels,
              include: producers(group),
              ...(ranking === 'importance'
                ? { importance: () => all.map((channel) => (dropped.includes(channel) ? 0 : 1 + channel)) }
                : { norm: ranking }),
            });
            expect(plan.pruned).toHaveLength(1);
            expect(plan.pruned[0]!.group.id).toBe(group.id);
            expect(plan.pruned[0]!.keep).toEqual(all.filter((channel) => !dropped.includes(channel)));

            const shapes = expectedShapes(model, group, dropped);
            let expectedCount = 0;
            for (const [name, shape] of shapes) {
              expect(pruned.params.get(name)!.shape).toEqual(shape);
              expectedCount += sizeOf(shape);
            }
            expect(countParams(pruned)).toBe(expectedCount);
            expect(pruned.params.size).toBe(model.params.size);

            close(
              await stockPredictions(pruned, structuredCase.inputShape, seed),
              await stockPredictions(silent, structuredCase.inputShape, seed)
            );
          }
        ),
        { numRuns: 8 }
      );
    });
  }

  test('every group of every case silenced at random channels and pruned in one global plan keeps outputs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(50), fc.array(fc.nat(), { minLength: 8, maxLength: 8 }), async (seed, picks) => {
        for (const structuredCase of STRUCTURED_CASES) {
          const model = await seededModel(structuredCase, seed);
          const groups = channelGroups(readModelGraph(model), model).filter((group) => group.prunable && group.channels > 1);
          // Each group drops a random non-empty proper subset of its channels.
          const dropped = new Map<number, number[]>();
          let silent = model;
          groups.forEach((group, index) => {
            const bits = picks[index % picks.length]! + index;
            let channels = Array.from({ length: group.channels }, (_, channel) => channel).filter((channel) => (bits >> channel) & 1);
            if (channels.length === 0 || channels.length === group.channels) channels = [bits % group.channels];
            dropped.set(group.id, channels);
            silent = silenceChannels(silent, group, channels);
          });
          const total = groups.reduce((sum, group) => sum + group.channels, 0);
          const removed = [...dropped.values()].reduce((sum, channels) => sum + channels.length, 0);
          const { model: pruned, plan } = pruneStructured(silent, {
            sparsity: (removed + 0.5) / total,
            scope: 'global',
            importance: (group) =>
              Array.from({ length: group.channels }, (_, channel) => (dropped.get(group.id)!.includes(channel) ? 0 : 1)),
          });
          expect(plan.pruned.map(({ group }) => group.id)).toEqual(groups.map((group) => group.id));
          for (const { group, keep } of plan.pruned)
            expect(keep).toEqual(
              Array.from({ length: group.channels }, (_, channel) => channel).filter((channel) => !dropped.get(group.id)!.includes(channel))
            );
          expect(countParams(pruned)).toBeLessThan(countParams(model));
          close(
            await stockPredictions(pruned, structuredCase.inputShape, seed),
            await stockPredictions(silent, structuredCase.inputShape, seed)
          );
        }
      }),
      { numRuns: 4 }
    );
  });

  test('every case pruned at 50% by L1 and by L2, every group at once, loads in stock tfjs with the planned widths', async () => {
    for (const structuredCase of STRUCTURED_CASES) {
      for (const norm of ['l1', 'l2'] as const) {
        const model = await seededModel(structuredCase, 3);
        const { model: pruned, plan } = pruneStructured(model, { sparsity: 0.5, norm });
        expect(plan.pruned.length).toBeGreaterThan(0);
        for (const { group, keep } of plan.pruned) {
          expect(keep.length).toBe(group.channels - Math.floor(group.channels / 2));
          for (const entry of group.entries.filter((item) => item.effect === 'produces'))
            expect(pruned.params.get(entry.param)!.shape[entry.axis]).toBe(
              keep.reduce((sum, channel) => sum + entry.indices[channel]!.length, 0)
            );
        }
        const predictions = await stockPredictions(pruned, structuredCase.inputShape, 1);
        expect(predictions.every(Number.isFinite)).toBe(true);
      }
    }
  });

  test("a Concatenate's two inputs pruned in one plan slice the shared kernel at each input's own rows", async () => {
    const concatenate = STRUCTURED_CASES.find((item) => item.name === 'concatenate')!;
    const model = await seededModel(concatenate, 5);
    const groups = channelGroups(readModelGraph(model), model);
    const left = groups.find((group) => producers(group).includes('left/kernel'))!;
    const right = groups.find((group) => producers(group).includes('right/kernel'))!;
    // Silence left channel 1 and right channels 0 and 3, then remove exactly those.
    const silent = silenceChannels(silenceChannels(model, left, [1]), right, [0, 3]);
    const zeroed = new Map([
      [left.id, [1]],
      [right.id, [0, 3]],
    ]);
    const { model: pruned, plan } = pruneStructured(silent, {
      sparsity: 0.4,
      include: ['left/kernel', 'right/kernel'],
      importance: (group) =>
        Array.from({ length: group.channels }, (_, channel) => ((zeroed.get(group.id) ?? []).includes(channel) ? 0 : 1)),
    });
    expect(plan.pruned.map(({ keep }) => keep)).toEqual([
      [0, 2, 3],
      [1, 2, 4],
    ]);
    expect(pruned.params.get('mixed/kernel')!.shape).toEqual([6, 4]);
    close(await stockPredictions(pruned, [5], 2), await stockPredictions(silent, [5], 2));
  });
});

describe('planStructuredPruning', () => {
  test("L1 and L2 importances equal plain sums over the producer's columns and the consumer's rows", async () => {
    const mlp = STRUCTURED_CASES.find((item) => item.name === 'mlp')!;
    const model = await seededModel(mlp, 9);
    const produced = (await tf.tensor(decoded(model, 'hidden_1/kernel'), [6, 9]).array()) as number[][];
    const read = (await tf.tensor(decoded(model, 'hidden_2/kernel'), [9, 7]).array()) as number[][];
    for (const norm of ['l1', 'l2'] as const) {
      const reference = Array.from({ length: 9 }, (_, channel) => {
        const weights = [...produced.map((row) => row[channel]!), ...read[channel]!];
        return norm === 'l1'
          ? weights.reduce((sum, value) => sum + Math.abs(value), 0)
          : Math.sqrt(weights.reduce((sum, value) => sum + value * value, 0));
      });
      // Keep 5 of 9: the plan keeps the 5 highest of the reference scores.
      const plan = planStructuredPruning(model, { sparsity: 4.5 / 9, norm, include: ['hidden_1/kernel'] });
      const order = reference
        .map((score, channel) => ({ score, channel }))
        .sort((a, b) => b.score - a.score)
        .slice(0, 5)
        .map(({ channel }) => channel)
        .sort((a, b) => a - b);
      expect(plan.pruned).toHaveLength(1);
      expect(plan.pruned[0]!.keep).toEqual(order);
    }
  });

  test('kept counts are exact: floor(channels × sparsity) removed, rounded up to roundTo, at least one, never past the group', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 24 }),
        fc.integer({ min: 2, max: 24 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        fc.constantFrom(1, 2, 3, 4, 8),
        async (first, second, sparsity, roundTo) => {
          const tfl = await import('@tensorflow/tfjs-layers');
          const layers = tfl.sequential({
            layers: [
              tfl.layers.dense({ units: first, inputShape: [3], name: 'first' }),
              tfl.layers.dense({ units: second, name: 'second' }),
              tfl.layers.dense({ units: 2, name: 'head' }),
            ],
          });
          const { fromLayersModel } = await import('@whittle/core/runner');
          const model = await fromLayersModel(layers);
          layers.dispose();
          const { model: pruned, plan } = pruneStructured(model, { sparsity, roundTo });
          for (const [name, channels] of [
            ['first', first],
            ['second', second],
          ] as const) {
            // Reference: the smallest multiple of roundTo that keeps what the sparsity asks, else all.
            const wanted = Math.max(1, channels - Math.floor(channels * sparsity));
            let expected = channels;
            for (let kept = channels; kept >= wanted; kept--) if (kept % roundTo === 0) expected = kept;
            expect(pruned.params.get(`${name}/kernel`)!.shape[1]).toBe(expected);
            const skipped = plan.skipped.find(({ group }) => producers(group).includes(`${name}/kernel`));
            expect(skipped !== undefined).toBe(expected === channels);
          }
        }
      ),
      { numRuns: 40 }
    );
  });

  test('global scope ranks mean-normalised importances of every group together', async () => {
    const tfl = await import('@tensorflow/tfjs-layers');
    const { fromLayersModel } = await import('@whittle/core/runner');
    const layers = tfl.sequential({
      layers: [
        tfl.layers.dense({ units: 6, inputShape: [3], name: 'a' }),
        tfl.layers.dense({ units: 10, name: 'b' }),
        tfl.layers.dense({ units: 2, name: 'head' }),
      ],
    });
    const model = await fromLayersModel(layers);
    layers.dispose();
    await fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 16, maxLength: 16 }),
        fc.double({ min: 0, max: 0.9, noNaN: true }),
        (raw, sparsity) => {
          const byGroup = new Map<number, number[]>();
          const plan = planStructuredPruning(model, {
            sparsity,
            scope: 'global',
            importance: (group) => {
              const scores = group.channels === 6 ? raw.slice(0, 6) : raw.slice(6);
              byGroup.set(group.id, scores);
              return scores;
            },
          });
          // Reference: every channel scored by its score over its group's mean, sorted, lowest removed.
          const all: Array<{ group: number; channel: number; score: number }> = [];
          for (const [group, scores] of byGroup) {
            const mean = scores.reduce((sum, score) => sum + score, 0) / scores.length;
            scores.forEach((score, channel) => all.push({ group, channel, score: Math.fround(score / mean) }));
          }
          all.sort((x, y) => x.score - y.score || x.group - y.group || x.channel - y.channel);
          const removed = all.slice(0, Math.floor(all.length * sparsity));
          for (const [group, scores] of byGroup) {
            const gone = new Set(removed.filter((item) => item.group === group).map((item) => item.channel));
            let keep = scores.map((_, channel) => channel).filter((channel) => !gone.has(channel));
            if (keep.length === 0) {
              // At least one channel: the most important.
              // Ties prune the lower channel first, so the last of the best scores stays.
              const best = scores.lastIndexOf(Math.max(...scores));
              keep = [best];
            }
            const planned = plan.pruned.find((item) => item.group.id === group);
            if (keep.length === scores.length) expect(planned).toBeUndefined();
            else expect(planned?.keep).toEqual(keep);
          }
        }
      ),
      { numRuns: 100 }
    );
  });
});

function decoded(model: Model, name: string): Float32Array {
  return decodeToFloat32(model.params.get(name)!.value).data;
}
