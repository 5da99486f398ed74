import fc from 'fast-check';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.ts';
import { readTfjsModelFile } from '../fs/tfjs-read.ts';
import { writeTfjsModelFiles } from '../fs/tfjs-write.ts';
import { countParams, modelByteLength } from '../model/model-queries.ts';
import { compress } from '../recipe/compress.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import { search } from './search.ts';
import { analyzeSensitivity } from './sensitivity.ts';
import { argmaxRows, mlpOutputs, randomInputs, randomMlp, roundRegistry, roundSettings } from './search.test-support.ts';

const registry = roundRegistry();
let directory: string;

beforeAll(async () => {
  await useBackend('cpu');
  directory = await mkdtemp(join(tmpdir(), 'whittle-search-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

function fixture(sizes: readonly number[], seed: number, rows = 24) {
  const model = randomMlp(sizes, seed);
  const inputs = randomInputs(rows, sizes[0]!, seed + 100);
  const labels = argmaxRows(mlpOutputs(model, sizes, inputs, rows), sizes.at(-1)!);
  const batches = [{ inputs: hostTensor('float32', [rows, sizes[0]!], inputs), targets: hostTensor('int32', [rows], labels) }];
  return { model, batches };
}

/** Bytes of the model with every weight at the fewest bits: the smallest any choice reaches. */
async function smallestBytes(model: ReturnType<typeof randomMlp>): Promise<number> {
  const { model: smallest } = await compress(model, [{ kind: 'test.round', bits: 2 }], { registry });
  return modelByteLength(smallest);
}

let written = 0;
async function writtenBytes(model: ReturnType<typeof randomMlp>): Promise<{ bytes: number; params: number }> {
  const output = join(directory, `model-${written++}`);
  await writeTfjsModelFiles(model, output);
  const read = await readTfjsModelFile(join(output, 'model.json'));
  return { bytes: modelByteLength(read), params: countParams(read) };
}

describe('search', () => {
  it('meets any reachable byte budget, measured on the written model, and refuses an unreachable one naming the smallest size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          sizes: fc.tuple(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 2, max: 8 }), fc.integer({ min: 2, max: 4 })),
          seed: fc.integer({ min: 1, max: 1000 }),
          fraction: fc.double({ min: -0.2, max: 1.05, noNaN: true }),
        }),
        async ({ sizes, seed, fraction }) => {
          const { model, batches } = fixture(sizes, seed);
          const full = modelByteLength(model);
          const smallest = await smallestBytes(model);
          const budget = Math.floor(smallest + fraction * (full - smallest));
          const sensitivity = await analyzeSensitivity(model, { data: { batches }, registry, settings: roundSettings });
          if (budget < smallest) {
            await expect(search(model, { target: { maxBytes: budget }, data: { batches }, registry, sensitivity })).rejects.toThrow(
              new RegExp(`smallest reachable is ${smallest} bytes`)
            );
            return;
          }
          const result = await search(model, { target: { maxBytes: budget }, data: { batches }, registry, sensitivity });
          expect(result.met).toBe(true);
          expect(result.predicted.bytes).toBe(result.measured.bytes);
          const { bytes } = await writtenBytes(result.model);
          expect(bytes).toBeLessThanOrEqual(budget);
          // The recipe alone, run again, makes the same bytes.
          const { model: again } = await compress(model, JSON.parse(JSON.stringify(result.recipe)), { registry });
          expect(modelByteLength(again)).toBe(bytes);
        }
      ),
      { numRuns: 12 }
    );
  });

  it('meets a param budget where only fewer params reach it', async () => {
    const { model, batches } = fixture([4, 6, 3], 5);
    // test.round keeps every shape: no setting changes the param count, so any cut is unreachable.
    await expect(
      search(model, { target: { maxParams: countParams(model) - 1 }, data: { batches }, registry, settings: roundSettings })
    ).rejects.toThrow(/no recipe of the allowed settings reaches/);
    const result = await search(model, { target: { maxParams: countParams(model) }, data: { batches }, registry, settings: roundSettings });
    expect((await writtenBytes(result.model)).params).toBeLessThanOrEqual(countParams(model));
  });

  it('does no worse than the uniform recipe of the same bytes, which it could have chosen', async () => {
    const sizes = [8, 16, 4];
    const { model, batches } = fixture(sizes, 21, 64);
    const { model: uniform } = await compress(model, [{ kind: 'test.round', bits: 4 }], { registry });
    const budget = modelByteLength(uniform);
    const result = await search(model, { target: { maxBytes: budget }, data: { batches }, registry, settings: roundSettings });
    expect(result.measured.bytes).toBeLessThanOrEqual(budget);
    // The uniform recipe is one choice the search could make: its loss cannot be lower.
    const uniformCandidate = result.candidates.find(({ label }) => label === 'uniform: round 4')!;
    expect(uniformCandidate.bytes).toBe(budget);
    expect(uniformCandidate.recipe).toEqual([{ kind: 'test.round', bits: 4, include: ['dense_1/kernel', 'dense_2/kernel'] }]);
    expect(result.measured.outputError!).toBeLessThanOrEqual(uniformCandidate.outputError! * 1.0001);
    expect(result.candidates.some(({ pareto }) => pareto)).toBe(true);
    expect(result.candidates.find(({ label }) => label === 'original')?.pareto).toBe(true);
  });

  it('gives the same recipe for the same model, data and options', async () => {
    const { model, batches } = fixture([5, 7, 3], 9);
    const options = {
      target: { maxBytes: Math.floor(modelByteLength(model) * 0.5) },
      data: { batches },
      registry,
      settings: roundSettings,
    };
    const first = await search(model, options);
    const second = await search(model, options);
    expect(second.recipe).toEqual(first.recipe);
  });

  it('keeps a drop budget with labelled data, and refuses it without labels', async () => {
    const { model, batches } = fixture([6, 10, 4], 13, 48);
    const result = await search(model, { target: { maxAccuracyDrop: 0.05 }, data: { batches }, registry, settings: roundSettings });
    if (result.met) expect(1 - result.measured.metric!).toBeLessThanOrEqual(0.05 + 1e-9);
    expect(result.measured.bytes).toBeLessThan(modelByteLength(model));
    const unlabelled = [{ inputs: batches[0]!.inputs }];
    await expect(
      search(model, { target: { maxAccuracyDrop: 0.05 }, data: { batches: unlabelled }, registry, settings: roundSettings })
    ).rejects.toThrow(/needs data with targets/);
  });

  it('times candidates for a latency budget, and refuses one no setting reaches', async () => {
    const { model, batches } = fixture([4, 6, 3], 17);
    const result = await search(model, { target: { maxLatencyMs: 60_000 }, data: { batches }, registry, settings: roundSettings });
    expect(result.met).toBe(true);
    expect(result.measured.latencyMs).toBeGreaterThan(0);
    expect(result.original.latencyMs).toBeGreaterThan(0);
    // Nothing to lose within so loose a budget: every layer is kept.
    expect(result.recipe).toEqual([]);
    // No model runs in 0 ms: the search refuses the budget from its estimates, or (when timing
    // noise makes a layer look faster than it is) tries and reports the budget missed.
    const outcome = await search(model, {
      target: { maxLatencyMs: 0 },
      data: { batches },
      registry,
      settings: roundSettings,
      uniform: false,
    }).then(
      (found) => found.met,
      (error: unknown) => String(error)
    );
    expect(outcome === false || /fastest estimated/.test(String(outcome))).toBe(true);
  });

  it('refuses targets that name no budget, two budgets, or a negative one, and a bad round count', async () => {
    const { model, batches } = fixture([3, 4, 2], 2);
    for (const target of [{}, { maxBytes: 10, maxParams: 10 }, { maxBytes: -1 }, { maxBytes: Number.NaN }]) {
      await expect(search(model, { target: target as never, data: { batches }, registry, settings: roundSettings })).rejects.toMatchObject({
        name: 'WhittleError',
      });
    }
    const sensitivity = await analyzeSensitivity(randomMlp([3, 4, 2], 99), { data: { batches }, registry, settings: roundSettings });
    await expect(search(model, { target: { maxBytes: 1000 }, sensitivity, data: { batches }, registry })).rejects.toThrow(
      /measured on another model/
    );
    for (const maxRounds of [0, 1.5, Number.NaN, 1e9]) {
      await expect(
        search(model, { target: { maxBytes: 1000 }, maxRounds, data: { batches }, registry, settings: roundSettings })
      ).rejects.toMatchObject({ field: 'maxRounds' });
    }
  });
});
