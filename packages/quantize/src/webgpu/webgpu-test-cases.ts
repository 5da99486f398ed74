/**
 * Random tensors and affine settings for the WebGPU kernel tests, and the plain reference maths
 * they are checked with.
 */
import fc from 'fast-check';
import type { Granularity } from '@whittle/core';
import type { QuantizeAffineOptions } from '../primitives/quantize-affine.ts';

/** A tensor and the options to quantize it with. */
export interface QuantizeCase {
  readonly shape: number[];
  readonly values: Float32Array;
  readonly options: QuantizeAffineOptions;
}

const SMALLEST_NORMAL_FLOAT32 = 2 ** -126;

/**
 * Float32 values for a tensor of `length` elements, with subnormals read as zero (GPUs may flush
 * them, and the kernels promise nothing finer than a normal float32). Half the time fast-check's
 * own floats (spread over every exponent: tiny values, ±1 extremes, zeros), half the time
 * Gaussian weights whose spread changes from element to element, so that slots get different
 * scales and a value read against the wrong slot's scale gives a different code.
 *
 * @example
 * ```ts
 * fc.sample(floatValues(12), 1); // [Float32Array(12)]
 * ```
 */
export function floatValues(length: number): fc.Arbitrary<Float32Array> {
  const magnitudes = fc.constantFrom(1e-3, 1, 37.5, 1e4);
  const edgeFloats = fc
    .tuple(fc.float32Array({ minLength: length, maxLength: length, noNaN: true, noDefaultInfinity: true, min: -1, max: 1 }), magnitudes)
    .map(([unit, magnitude]) => unit.map((value) => Math.fround(value * magnitude)));
  const gaussians = fc.tuple(fc.integer({ min: 1, max: 2 ** 31 - 1 }), magnitudes).map(([seed, magnitude]) => {
    const random = seededUniform(seed);
    return Float32Array.from({ length }, (_, index) => {
      const radius = Math.sqrt(-2 * Math.log(random() + 1e-12));
      const spread = magnitude * (1 + ((index * 7919) % 13));
      return radius * Math.cos(2 * Math.PI * random()) * spread;
    });
  });
  return fc.oneof(edgeFloats, gaussians).map((values) => values.map((value) => (Math.abs(value) < SMALLEST_NORMAL_FLOAT32 ? 0 : value)));
}

/** A small deterministic uniform generator in [0, 1) (mulberry32). */
function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/** A granularity for `shape`: per tensor, per axis or per group (sizes around the axis length). */
function granularityFor(shape: readonly number[]): fc.Arbitrary<Granularity> {
  const axes = fc.integer({ min: 0, max: shape.length - 1 });
  return fc.oneof(
    fc.constant<Granularity>({ kind: 'tensor' }),
    axes.map((axis): Granularity => ({ kind: 'axis', axis })),
    fc
      .tuple(axes, fc.oneof(fc.constant(32), fc.integer({ min: 1, max: 70 })))
      .map(([axis, size]): Granularity => ({ kind: 'group', axis, size }))
  );
}

/** Code settings the GPU covers: symmetric int2/4/8, asymmetric int1/2/4/8, scale dtypes. */
const codeSettings = fc.oneof(
  // Either grid named, or the default (signed-extreme for 4-bit groups, absmax otherwise).
  fc.record(
    { bits: fc.constantFrom(2, 4, 8), symmetric: fc.constant(true), narrowRange: fc.boolean(), grid: fc.constantFrom('absmax' as const, 'signed-extreme' as const) },
    { requiredKeys: ['bits', 'symmetric', 'narrowRange'] }
  ),
  fc.record({ bits: fc.constantFrom(1, 2, 4, 8), symmetric: fc.constant(false), narrowRange: fc.constant(false) })
);

/**
 * Shapes of rank 1–3 up to `maxSize` elements with any granularity and GPU code settings.
 *
 * @example
 * ```ts
 * fc.assert(fc.asyncProperty(quantizeCases(4000), async ({ shape, values, options }) => { ... }));
 * ```
 */
export function quantizeCases(maxSize: number): fc.Arbitrary<QuantizeCase> {
  return fc
    .array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 3 })
    .filter((shape) => shape.reduce((product, dimension) => product * dimension, 1) <= maxSize)
    .chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        values: floatValues(shape.reduce((product, dimension) => product * dimension, 1)),
        options: fc.tuple(granularityFor(shape), codeSettings, fc.constantFrom(undefined, 'float32' as const, 'float16' as const)).map(
          ([granularity, settings, scaleDType]): QuantizeAffineOptions => ({
            ...settings,
            granularity,
            ...(scaleDType === undefined ? {} : { scaleDType }),
          })
        ),
      })
    );
}

/**
 * The scale index of element `index` of a row-major tensor, from its coordinates: the plain
 * definition of per tensor, per axis and per group, with scales laid out in `scalesShape` order.
 *
 * @example
 * ```ts
 * slotOfElement([4, 10], { kind: 'group', axis: 1, size: 4 }, 13); // row 1, group 0 of 3: 3
 * ```
 */
export function slotOfElement(shape: readonly number[], granularity: Granularity, index: number): number {
  if (granularity.kind === 'tensor') return 0;
  const axis = granularity.axis < 0 ? granularity.axis + shape.length : granularity.axis;
  const coordinates: number[] = [];
  for (let dimension = shape.length - 1, rest = index; dimension >= 0; dimension--) {
    coordinates[dimension] = rest % shape[dimension]!;
    rest = Math.floor(rest / shape[dimension]!);
  }
  if (granularity.kind === 'axis') return coordinates[axis]!;
  let slot = 0;
  for (let dimension = 0; dimension < shape.length; dimension++) {
    const extent = dimension === axis ? Math.ceil(shape[dimension]! / granularity.size) : shape[dimension]!;
    const coordinate = dimension === axis ? Math.floor(coordinates[dimension]! / granularity.size) : coordinates[dimension]!;
    slot = slot * extent + coordinate;
  }
  return slot;
}
