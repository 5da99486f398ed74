/**
 * `estimate` against what `compress` actually produces, for every quantize kind (GPTQ with its
 * calibration given by param name): the params and bytes must agree exactly, since each kind's
 * output size depends only on shapes and the step (the data can only make a step refuse, never
 * change its size).
 */
import {
  PARAM_ROLES,
  WEIGHT_ROLES,
  castDense,
  compress,
  countParams,
  createModel,
  createRecipeRegistry,
  decodeToFloat32,
  estimate,
  hostTensor,
  isFloatDType,
  matchesFilter,
  modelByteLength,
  roleAxes,
  useBackend,
  type Encoding,
  type HostTensor,
  type Model,
  type ParamFilter,
  type RecipeStep,
} from '@whittle/core';
import { modelArbitrary } from '@whittle/core/test';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { gptq } from '../gptq/index.ts';
import { affine } from './affine-step.ts';
import { bfloat16, float16 } from './half-float.ts';
import { quantizeHandlers } from './handlers.ts';
import { kmeans } from './kmeans-step.ts';
import { uint16, uint8 } from './tfjs-stock-steps.ts';

const registry = createRecipeRegistry(quantizeHandlers);

// GPTQ turns its calibration inputs into Hessians on tfjs.
beforeAll(async () => {
  await useBackend('cpu');
});

const filterArbitrary: fc.Arbitrary<ParamFilter> = fc.record(
  {
    include: fc.array(fc.constantFrom('layer0/*', 'layer1/w', 'layer?/w', '**'), { minLength: 1, maxLength: 2 }),
    exclude: fc.array(fc.constantFrom('layer2/*', 'layer3/w'), { maxLength: 1 }),
    roles: fc.subarray([...PARAM_ROLES], { minLength: 1 }),
  },
  { requiredKeys: [] },
);

const granularityArbitrary = fc.oneof(
  fc.constant({ kind: 'tensor' } as const),
  fc.record({ kind: fc.constant('axis' as const), axis: fc.integer({ min: -2, max: 2 }) }, { requiredKeys: ['kind'] }),
  fc.record({ kind: fc.constant('group' as const), size: fc.integer({ min: 1, max: 8 }), axis: fc.integer({ min: -2, max: 2 }) }, { requiredKeys: ['kind', 'size'] }),
);

const affineArbitrary = fc
  .record({
    bits: fc.constantFrom(1, 2, 3, 4, 5, 6, 7, 8, 16),
    symmetric: fc.boolean(),
    narrowRange: fc.boolean(),
    granularity: granularityArbitrary,
    scaleDType: fc.option(fc.constantFrom('float32' as const, 'float16' as const), { nil: undefined }),
    filter: filterArbitrary,
  })
  .map(({ bits, symmetric, narrowRange, granularity, scaleDType, filter }) =>
    affine({
      bits,
      symmetric: symmetric && bits >= 2,
      narrowRange: narrowRange && bits > 1,
      granularity,
      ...(scaleDType === undefined ? {} : { scaleDType }),
      ...filter,
    }),
  );

const kmeansArbitrary = fc
  .record({ bits: fc.integer({ min: 1, max: 5 }), iterations: fc.integer({ min: 0, max: 4 }), seed: fc.nat(), filter: filterArbitrary })
  .map(({ bits, iterations, seed, filter }) => kmeans({ bits, iterations, seed, ...filter }));

const gptqArbitrary = fc
  .record(
    {
      bits: fc.integer({ min: 2, max: 8 }),
      groupSize: fc.oneof(fc.constant(-1), fc.integer({ min: 1, max: 8 })),
      symmetric: fc.boolean(),
      scaleDType: fc.constantFrom('float32' as const, 'float16' as const),
      actOrder: fc.boolean(),
      filter: filterArbitrary,
    },
    { requiredKeys: ['bits', 'filter'] },
  )
  .map(({ filter, ...settings }) => {
    // GPTQ's roles may only narrow its own two.
    const roles = filter.roles?.filter((role) => role === 'dense-kernel' || role === 'linear-weight');
    return gptq({ ...settings, ...filter, roles: roles?.length === 0 ? undefined : roles });
  });

/** The model with its rank-2 params made Dense kernels and Linear weights, so GPTQ has work. */
function withGptqRoles(model: Model): Model {
  const params = [...model.params.values()].map((param, index) =>
    param.shape.length === 2 ? { ...param, role: index % 2 === 0 ? ('dense-kernel' as const) : ('linear-weight' as const) } : param,
  );
  return createModel({ format: model.format, params });
}

/** Seeded `[3, inputs]` calibration inputs for every rank-2 float Dense kernel and Linear weight, by name. */
function layerInputs(model: Model, seed: number): Map<string, HostTensor> {
  const inputs = new Map<string, HostTensor>();
  let state = seed;
  for (const param of model.params.values()) {
    const { value, role, shape } = param;
    if ((role !== 'dense-kernel' && role !== 'linear-weight') || shape.length !== 2 || shape.includes(0)) continue;
    if (value.kind !== 'dense' || !isFloatDType(value.tensor.dtype)) continue;
    const width = shape[roleAxes(role, 2).inputAxis!]!;
    const data = Float32Array.from({ length: 3 * width }, () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 31 - 1;
    });
    inputs.set(param.name, hostTensor('float32', [3, width], data));
  }
  return inputs;
}

/**
 * The model with the dense float factors of its lowrank params held to ±1000, as every other
 * float param of the arbitrary is: quantize steps encode those factors, and a value beyond a
 * format's range (float16's ±65504) makes `compress` refuse where the shapes cannot show it.
 */
function withBoundedFactors(model: Model): Model {
  const bound = (factor: Encoding): Encoding => {
    if (factor.kind !== 'dense' || !isFloatDType(factor.tensor.dtype)) return factor;
    const { dtype, shape } = factor.tensor;
    // 16-bit factors may hold infinities and NaNs as bit patterns: bounded through float32.
    const values = Float64Array.from(decodeToFloat32(factor).data, (value) => (Number.isNaN(value) ? 0 : Math.max(-1000, Math.min(1000, value))));
    if (dtype === 'float64') return { kind: 'dense', tensor: hostTensor('float64', shape, values) };
    const bounded = hostTensor('float32', shape, Float32Array.from(values));
    return dtype === 'float32' ? { kind: 'dense', tensor: bounded } : castDense(bounded, dtype);
  };
  const params = [...model.params.values()].map((param) =>
    param.value.kind === 'lowrank' ? { ...param, value: { ...param.value, left: bound(param.value.left), right: bound(param.value.right) } } : param,
  );
  return createModel({ format: model.format, params });
}

const STEPS: ReadonlyArray<readonly [string, fc.Arbitrary<RecipeStep>]> = [
  ['quantize.affine', affineArbitrary],
  ['quantize.kmeans', kmeansArbitrary],
  ['quantize.float16', filterArbitrary.map(float16)],
  ['quantize.bfloat16', filterArbitrary.map(bfloat16)],
  ['quantize.uint8', filterArbitrary.map(uint8)],
  ['quantize.uint16', filterArbitrary.map(uint16)],
];

async function outcome<T>(work: () => T | Promise<T>): Promise<{ value: T } | { code: unknown; field: unknown; message: unknown }> {
  try {
    return { value: await work() };
  } catch (error) {
    const { code, field, message } = error as { code?: unknown; field?: unknown; message?: unknown };
    return { code, field, message };
  }
}

describe('estimate of quantize steps', () => {
  it('covers every per-param handler here (GPTQ, which needs calibration, has its own property)', () => {
    const perParam = quantizeHandlers.filter((handler) => handler.perParam === true).map((handler) => handler.kind);
    expect(perParam.toSorted()).toEqual(STEPS.map(([kind]) => kind).toSorted());
    for (const handler of quantizeHandlers.filter((candidate) => candidate.perParam === true)) {
      expect(handler.estimate, handler.kind).toBeTypeOf('function');
      expect(handler.encodeParam, handler.kind).toBeTypeOf('function');
    }
  });

  it('quantize.gptq: equals what compress produces with layer inputs by param name, whenever it succeeds', async () => {
    let succeeded = 0;
    let quantized = 0;
    await fc.assert(
      fc.asyncProperty(modelArbitrary({ maxParams: 4 }).map(withGptqRoles), gptqArbitrary, fc.nat(), async (model: Model, step, seed) => {
        const estimated = estimate(model, step, { registry });
        const resources = { calibration: layerInputs(model, seed) };
        const compressed = await outcome(() => compress(model, [step], { registry, requireSelection: false, resources }));
        if (!('value' in compressed)) {
          // Only what the shapes cannot show (a weight float16 overflowed to infinity) may refuse.
          expect(compressed).toMatchObject({ code: 'invalid-tensor' });
          return;
        }
        succeeded++;
        const result = compressed.value.model;
        if (modelByteLength(result) !== modelByteLength(model)) quantized++;
        expect(estimated).toEqual({ params: countParams(result), bytes: modelByteLength(result) });
      }),
      { numRuns: 150 },
    );
    expect(succeeded).toBeGreaterThan(100);
    expect(quantized).toBeGreaterThan(10);
  });

  it.each(STEPS)('%s: equals the params and bytes of what compress produces, or fails alike', async (kind, steps) => {
    await fc.assert(
      fc.asyncProperty(modelArbitrary({ maxParams: 4 }).map(withBoundedFactors), steps, async (model: Model, step) => {
        expect(step.kind).toBe(kind);
        const compressed = await outcome(() => compress(model, [step], { registry, requireSelection: false }));
        const estimated = await outcome(() => estimate(model, step, { registry }));
        if ('value' in compressed) {
          const result = compressed.value.model;
          expect(estimated).toEqual({ value: { params: countParams(result), bytes: modelByteLength(result) } });
        } else {
          // A step that does not fit a param's shape (an axis it lacks) fails the same way unrun.
          expect(estimated).toEqual(compressed);
        }
      }),
      { numRuns: kind === 'quantize.kmeans' ? 40 : 80 },
    );
  });

  it.each(STEPS)('%s: one param at a time through encodeParam gives what the whole-model path gives', async (kind, steps) => {
    const handler = quantizeHandlers.find((candidate) => candidate.kind === kind)!;
    await fc.assert(
      fc.asyncProperty(modelArbitrary({ maxParams: 3 }), steps, async (model: Model, step) => {
        const config = handler.validate(step, { step: 1 });
        const whole = await outcome(() => handler.apply(model, config, { step: 1, resources: {} }));
        if (!('value' in whole)) return;
        for (const param of model.params.values()) {
          const selected = matchesFilter(param, config as ParamFilter, handler.defaultRoles ?? WEIGHT_ROLES);
          const streamed = selected ? (handler.encodeParam!(param, config, { step: 1, resources: {} }) ?? param.value) : param.value;
          expect(whole.value.params.get(param.name)!.value).toStrictEqual(streamed);
        }
      }),
      { numRuns: kind === 'quantize.kmeans' ? 20 : 40 },
    );
  });
});
