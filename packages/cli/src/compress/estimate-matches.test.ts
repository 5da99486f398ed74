/**
 * `estimate` against the model `compress` writes, for every recipe kind the CLI registers: over
 * random small Keras models (Dense stacks and small CNNs, so structural kinds have a graph to
 * rewrite) and random configs, the params and bytes `estimate` predicts must equal those of the
 * compressed params written to a safetensors file and read back (a file keeps every encoding
 * part as a tensor of its own, so its bytes are the encodings' bytes).
 *
 * `prune.gradual` and `prune.wanda` give no estimate (they train or calibrate before their sizes
 * are known): they must say so with a typed error. `distill` estimates its student, but its
 * compression trains on labelled data, so it is not run here.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import {
  CAST_DTYPES,
  compress,
  countParams,
  defaultRegistry,
  estimate,
  hostTensor,
  isWhittleError,
  modelByteLength,
  useBackend,
  type HostTensor,
  type Model,
  type ModelSize,
  type RecipeStep,
} from '@whittle/core';
import { readSafetensorsFile, writeSafetensorsFile } from '@whittle/core/fs';
import { fromLayersModel } from '@whittle/core/runner';
import fc from 'fast-check';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The CLI's registrations, as `whittle compress` has them.
// The kinds the CLI registers when a command runs that runs recipes.
import '@whittle/quantize/register';
import '@whittle/prune/register';
import '@whittle/lowrank/register';
import '@whittle/distill/register';
import '@whittle/onnx/register';

let directory: string;
beforeAll(async () => {
  await useBackend('cpu');
  directory = await mkdtemp(join(tmpdir(), 'whittle-estimate-'));
}, 120_000);
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** A random small Keras model: a Dense stack, or a convolution (and maybe a depthwise one) before one. */
interface ModelSpec {
  readonly seed: number;
  readonly convolution: {
    readonly size: number;
    readonly channels: number;
    readonly filters: number;
    readonly kernel: number;
    readonly depthwise: boolean;
  } | null;
  readonly features: number;
  readonly units: readonly number[];
  readonly bias: boolean;
}

const modelSpecArbitrary: fc.Arbitrary<ModelSpec> = fc.record({
  seed: fc.integer({ min: 0, max: 1000 }),
  convolution: fc.option(
    fc.record({
      size: fc.integer({ min: 3, max: 6 }),
      channels: fc.integer({ min: 1, max: 3 }),
      filters: fc.integer({ min: 1, max: 8 }),
      kernel: fc.integer({ min: 1, max: 3 }),
      depthwise: fc.boolean(),
    })
  ),
  features: fc.integer({ min: 1, max: 24 }),
  units: fc.array(fc.integer({ min: 1, max: 24 }), { minLength: 1, maxLength: 3 }),
  bias: fc.boolean(),
});

async function buildModel(spec: ModelSpec): Promise<{ model: Model; calibration: Map<string, HostTensor> }> {
  const layers: tfl.layers.Layer[] = [];
  let seed = spec.seed;
  const kernelInitializer = () => tfl.initializers.randomNormal({ seed: seed++ });
  const { convolution } = spec;
  if (convolution !== null) {
    const inputShape = [convolution.size, convolution.size, convolution.channels];
    layers.push(
      tfl.layers.conv2d({
        inputShape,
        filters: convolution.filters,
        kernelSize: convolution.kernel,
        padding: 'same',
        useBias: spec.bias,
        kernelInitializer: kernelInitializer(),
      })
    );
    if (convolution.depthwise)
      layers.push(
        tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: spec.bias, depthwiseInitializer: kernelInitializer() })
      );
    layers.push(tfl.layers.flatten());
  }
  spec.units.forEach((units, at) => {
    const first = at === 0 && convolution === null ? { inputShape: [spec.features] } : {};
    layers.push(
      tfl.layers.dense({
        ...first,
        units,
        useBias: spec.bias,
        kernelInitializer: kernelInitializer(),
        activation: at < spec.units.length - 1 ? 'relu' : 'linear',
      })
    );
  });
  const layersModel = tfl.sequential({ layers });
  try {
    const model = await fromLayersModel(layersModel);
    // GPTQ's calibration: seeded inputs for each Dense kernel, by param name.
    const calibration = new Map<string, HostTensor>();
    let state = spec.seed + 1;
    for (const param of model.params.values()) {
      if (param.role !== 'dense-kernel') continue;
      const width = param.shape[0]!;
      const data = Float32Array.from({ length: 4 * width }, () => {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        return state / 2 ** 31 - 1;
      });
      calibration.set(param.name, hostTensor('float32', [4, width], data));
    }
    return { model, calibration };
  } finally {
    layersModel.dispose();
  }
}

const granularityArbitrary = fc.oneof(
  fc.constant({ kind: 'tensor' }),
  fc.constant({ kind: 'axis' }),
  fc.record({ kind: fc.constant('group'), size: fc.integer({ min: 1, max: 16 }) })
);

/** A pruning step's storage: any layout (auto by default), at a chosen or the best index width, for a value width. */
const STORAGE_ARBITRARY = fc.record(
  {
    layout: fc.constantFrom('auto', 'bitmask', 'csr', 'relative', 'dense'),
    indexBits: fc.constantFrom(1, 2, 3, 4, 5, 8, 16),
    valueBits: fc.integer({ min: 1, max: 32 }),
  },
  { requiredKeys: [] }
);

/** Config arbitraries for every kind that has an estimate. */
const STEP_ARBITRARIES: Readonly<Record<string, fc.Arbitrary<RecipeStep>>> = {
  cast: fc.record({ kind: fc.constant('cast'), dtype: fc.constantFrom(...CAST_DTYPES) }),
  // On a fresh float model it leaves every param alone; core's own tests size coded models.
  'encode.huffman': fc.constant({ kind: 'encode.huffman' }),
  'quantize.affine': fc.record({
    kind: fc.constant('quantize.affine'),
    bits: fc.constantFrom(2, 3, 4, 5, 6, 7, 8, 16),
    symmetric: fc.boolean(),
    granularity: granularityArbitrary,
  }),
  'quantize.float16': fc.constant({ kind: 'quantize.float16' }),
  'quantize.bfloat16': fc.constant({ kind: 'quantize.bfloat16' }),
  'quantize.uint8': fc.constant({ kind: 'quantize.uint8' }),
  'quantize.uint16': fc.constant({ kind: 'quantize.uint16' }),
  'quantize.kmeans': fc.record({
    kind: fc.constant('quantize.kmeans'),
    bits: fc.integer({ min: 1, max: 4 }),
    iterations: fc.integer({ min: 0, max: 4 }),
  }),
  'quantize.gptq': fc.record({
    kind: fc.constant('quantize.gptq'),
    bits: fc.integer({ min: 2, max: 8 }),
    groupSize: fc.constantFrom(-1, 4, 8, 16),
    symmetric: fc.boolean(),
  }),
  'prune.magnitude': fc.record(
    {
      kind: fc.constant('prune.magnitude'),
      sparsity: fc.double({ min: 0, max: 1, noNaN: true }),
      scope: fc.constantFrom('layer', 'global'),
      storage: STORAGE_ARBITRARY,
    },
    { requiredKeys: ['kind', 'sparsity', 'scope'] }
  ),
  'prune.nm': fc
    .integer({ min: 2, max: 8 })
    .chain((m) =>
      fc.record(
        {
          kind: fc.constant('prune.nm'),
          m: fc.constant(m),
          n: fc.integer({ min: 1, max: m - 1 }),
          storage: fc.oneof(STORAGE_ARBITRARY, fc.constant({ layout: 'nm' })),
        },
        { requiredKeys: ['kind', 'm', 'n'] }
      )
    ),
  'prune.structured': fc.record({
    kind: fc.constant('prune.structured'),
    sparsity: fc.double({ min: 0, max: 0.95, noNaN: true }),
    norm: fc.constantFrom('l1', 'l2'),
    // A global ranking's channel counts follow the weights: its estimate is refused (tested below).
    scope: fc.constant('group'),
    roundTo: fc.integer({ min: 1, max: 4 }),
  }),
  'lowrank.svd': fc.oneof(
    fc.record({ kind: fc.constant('lowrank.svd'), rank: fc.integer({ min: 1, max: 12 }) }),
    fc.record({
      kind: fc.constant('lowrank.svd'),
      budget: fc.double({ min: 0.05, max: 0.95, noNaN: true }),
      budgetScope: fc.constantFrom('model', 'layer'),
    }),
    fc.record({ kind: fc.constant('lowrank.svd'), energy: fc.double({ min: 0.5, max: 0.99, noNaN: true }) })
  ),
};

/** Kinds with no estimate: each trains or calibrates, so its size is known only after running. */
const WITHOUT_ESTIMATE = ['prune.gradual', 'prune.wanda'];
/**
 * Kinds not run here: distillation trains a student on labelled data; the `onnx.*` kinds rewrite
 * ONNX graphs (their outputs are checked in onnxruntime by @whittle/onnx's own tests).
 */
const NOT_RUN = ['distill', ...defaultRegistry.kinds().filter((kind) => kind.startsWith('onnx.'))];

let written = 0;
async function writtenSize(model: Model): Promise<ModelSize> {
  const target = join(directory, `model-${written++}.safetensors`);
  await writeSafetensorsFile(target, model);
  const readBack = await readSafetensorsFile(target);
  await rm(target, { force: true });
  return { params: countParams(readBack), bytes: modelByteLength(readBack) };
}

describe('estimate equals the written output, for every registered kind', () => {
  it('covers every kind the CLI registers', () => {
    expect([...Object.keys(STEP_ARBITRARIES), ...WITHOUT_ESTIMATE, ...NOT_RUN].sort()).toEqual(defaultRegistry.kinds());
  });

  for (const [kind, stepArbitrary] of Object.entries(STEP_ARBITRARIES)) {
    it(
      kind,
      async () => {
        let compared = 0;
        await fc.assert(
          fc.asyncProperty(modelSpecArbitrary, stepArbitrary, async (spec, step) => {
            const { model, calibration } = await buildModel(spec);
            let compressed: Model;
            try {
              ({ model: compressed } = await compress(model, [step], { requireSelection: false, resources: { calibration } }));
            } catch (error) {
              // compress may refuse what the shapes cannot show; it must do so with a typed error.
              if (!isWhittleError(error)) throw error;
              return;
            }
            const measured = await writtenSize(compressed);
            expect(estimate(model, step)).toEqual(measured);
            // The written file holds what compress returned, byte for byte.
            expect(measured).toEqual({ params: countParams(compressed), bytes: modelByteLength(compressed) });
            compared++;
          }),
          { numRuns: 25 }
        );
        // Most runs must compare, or the property says nothing.
        expect(compared).toBeGreaterThanOrEqual(6);
      },
      300_000
    );
  }

  // A search's two-step settings: prune, then quantize what is kept. The second step's estimate,
  // on the model the first step wrote, must equal the written output too.
  const SEQUENCE_ARBITRARY: fc.Arbitrary<readonly [RecipeStep, RecipeStep]> = fc.tuple(
    fc.oneof(
      fc.record({
        kind: fc.constant('prune.magnitude'),
        sparsity: fc.double({ min: 0.3, max: 0.97, noNaN: true }),
        storage: fc.record({ layout: fc.constantFrom('csr', 'relative', 'auto'), valueBits: fc.integer({ min: 1, max: 8 }) }),
      }),
      fc.record({ kind: fc.constant('prune.structured'), sparsity: fc.double({ min: 0.1, max: 0.8, noNaN: true }) })
    ),
    fc.oneof(STEP_ARBITRARIES['quantize.affine']!, STEP_ARBITRARIES['quantize.kmeans']!, STEP_ARBITRARIES['quantize.float16']!)
  );

  it(
    'pruning then quantizing: each step estimated on the model before it',
    async () => {
      let compared = 0;
      await fc.assert(
        fc.asyncProperty(modelSpecArbitrary, SEQUENCE_ARBITRARY, async (spec, [prune, quantize]) => {
          const { model } = await buildModel(spec);
          let pruned: Model;
          let both: Model;
          try {
            ({ model: pruned } = await compress(model, [prune], { requireSelection: false }));
            ({ model: both } = await compress(model, [prune, quantize], { requireSelection: false }));
          } catch (error) {
            if (!isWhittleError(error)) throw error;
            return;
          }
          expect(estimate(model, prune)).toEqual(await writtenSize(pruned));
          expect(estimate(pruned, quantize)).toEqual(await writtenSize(both));
          compared++;
        }),
        { numRuns: 25 }
      );
      expect(compared).toBeGreaterThanOrEqual(6);
    },
    300_000
  );

  it('kinds without an estimate say so with a typed error', async () => {
    const { model } = await buildModel({ seed: 1, convolution: null, features: 4, units: [3], bias: true });
    for (const kind of WITHOUT_ESTIMATE) {
      const example = defaultRegistry.get(kind)!.example!;
      expect(() => estimate(model, example), kind).toThrow(expect.objectContaining({ code: 'invalid-recipe', field: 'kind' }));
    }
    const global = { kind: 'prune.structured', sparsity: 0.5, scope: 'global' };
    expect(() => estimate(model, global)).toThrow(expect.objectContaining({ code: 'invalid-recipe', field: 'scope' }));
  });
});
