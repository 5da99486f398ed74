import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.ts';
import { modelByteLength } from '../model/model-queries.ts';
import { compress } from '../recipe/compress.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import { analyzeSensitivity, type Sensitivity } from './sensitivity.ts';
import { memorySensitivityCache } from './sensitivity-cache.ts';
import { argmaxRows, mlpOutputs, randomInputs, randomMlp, ROUND_BITS, roundRegistry, roundSettings } from './search.test-support.ts';

const SIZES = [6, 8, 4] as const;
const ROWS = 32;

beforeAll(async () => {
  await useBackend('cpu');
});

function fixture() {
  const model = randomMlp(SIZES, 3);
  const inputs = randomInputs(ROWS, SIZES[0], 11);
  const labels = argmaxRows(mlpOutputs(model, SIZES, inputs, ROWS), SIZES.at(-1)!);
  const labelled = [{ inputs: hostTensor('float32', [ROWS, SIZES[0]], inputs), targets: hostTensor('int32', [ROWS], labels) }];
  const unlabelled = [{ inputs: hostTensor('float32', [ROWS, SIZES[0]], inputs) }];
  return { model, inputs, labelled, unlabelled };
}

const registry = roundRegistry();

describe('analyzeSensitivity', () => {
  it('measures each layer and setting alone, matching plain maths on the changed model', async () => {
    const { model, inputs, labelled } = fixture();
    const sensitivity = await analyzeSensitivity(model, { data: { batches: labelled }, registry, settings: roundSettings });
    expect(sensitivity.metric).toBe('accuracy');
    expect(sensitivity.baseline.metric).toBe(1);
    expect(sensitivity.baseline.bytes).toBe(modelByteLength(model));
    expect(sensitivity.layers.map(({ param }) => param)).toEqual(['dense_1/kernel', 'dense_2/kernel']);
    const reference = mlpOutputs(model, SIZES, inputs, ROWS);
    for (const layer of sensitivity.layers) {
      expect(layer.entries.map(({ setting }) => setting.label)).toEqual(ROUND_BITS.map((bits) => `round ${bits}`));
      for (const entry of layer.entries) {
        // The oracle: the changed model's outputs in float64 from its decoded params.
        const { model: changed } = await compress(model, entry.steps, { registry });
        const outputs = mlpOutputs(changed, SIZES, inputs, ROWS);
        let noise = 0;
        let signal = 0;
        for (const [index, value] of reference.entries()) {
          noise += (outputs[index]! - value) ** 2;
          signal += value ** 2;
        }
        expect(entry.outputError).toBeCloseTo(noise / signal, 5);
        const labels = argmaxRows(outputs, SIZES.at(-1)!);
        const expectedLabels = argmaxRows(reference, SIZES.at(-1)!);
        const accuracy = labels.filter((label, index) => label === expectedLabels[index]).length / ROWS;
        expect(entry.metric).toBeCloseTo(accuracy, 6);
        expect(entry.bytes).toBe(modelByteLength(changed));
      }
      // Fewer bits move the outputs further: the proxy orders the settings.
      const errors = layer.entries.map(({ outputError }) => outputError);
      expect(errors[0]).toBeLessThan(errors.at(-1)!);
    }
  });

  it('uses the output error alone for data without targets', async () => {
    const { model, unlabelled } = fixture();
    const sensitivity = await analyzeSensitivity(model, { data: { batches: unlabelled }, registry, settings: roundSettings });
    expect(sensitivity.metric).toBeUndefined();
    expect(sensitivity.layers[0]!.entries.every((entry) => entry.metric === undefined && entry.outputError > 0)).toBe(true);
  });

  it('resumes after an interruption, measuring only what the cache lacks, with the same results', async () => {
    const { model, labelled } = fixture();
    const cache = memorySensitivityCache();
    const controller = new AbortController();
    const stopAfter = 4;
    let caught: unknown;
    try {
      await analyzeSensitivity(model, {
        data: { batches: labelled },
        registry,
        settings: roundSettings,
        cache,
        signal: controller.signal,
        onProgress: ({ done }) => {
          if (done === stopAfter) controller.abort();
        },
      });
    } catch (error) {
      caught = error;
    }
    expect(controller.signal.aborted).toBe(true);
    expect(caught).toBeDefined();
    expect(cache.size).toBe(stopAfter);

    const progress: boolean[] = [];
    const resumed = await analyzeSensitivity(model, {
      data: { batches: labelled },
      registry,
      settings: roundSettings,
      cache,
      onProgress: ({ cached }) => progress.push(cached),
    });
    expect(progress.filter(Boolean)).toHaveLength(stopAfter);
    expect(progress.slice(0, stopAfter).every(Boolean)).toBe(true);
    expect(cache.size).toBe(progress.length);
    const fresh = await analyzeSensitivity(model, { data: { batches: labelled }, registry, settings: roundSettings });
    expect(figures(resumed)).toEqual(figures(fresh));
  });

  it('keys the cache by the model: a changed weight measures again', async () => {
    const { model, labelled } = fixture();
    const cache = memorySensitivityCache();
    await analyzeSensitivity(model, { data: { batches: labelled }, registry, settings: roundSettings, cache });
    const other = randomMlp(SIZES, 4);
    const cachedFlags: boolean[] = [];
    await analyzeSensitivity(other, { data: { batches: labelled }, registry, settings: roundSettings, cache, onProgress: ({ cached }) => cachedFlags.push(cached) });
    expect(cachedFlags.some(Boolean)).toBe(false);
  });

  it('refuses a model that cannot run and empty data with typed errors', async () => {
    const { model, labelled } = fixture();
    const bare = { ...model, topology: null };
    for (const run of [
      () => analyzeSensitivity(bare, { data: { batches: labelled }, registry, settings: roundSettings }),
      () => analyzeSensitivity(model, { data: { batches: [] }, registry, settings: roundSettings }),
      () => analyzeSensitivity(model, { data: { batches: 'digits' as never }, registry, settings: roundSettings }),
    ]) {
      let caught: unknown;
      try {
        await run();
      } catch (error) {
        caught = error;
      }
      // The runner is loaded as the built @whittle/core/runner, whose WhittleError class is its own copy.
      expect((caught as Error).name, String(caught)).toBe('WhittleError');
      expect(String(caught)).not.toContain('\n');
    }
  });
});

function figures(sensitivity: Sensitivity) {
  return sensitivity.layers.map((layer) => layer.entries.map(({ bytes, metric, outputError }) => ({ bytes, metric, outputError })));
}
