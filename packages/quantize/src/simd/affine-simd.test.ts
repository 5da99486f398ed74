import { float32ToFloat16Bits, packBits, webAssemblySimdSupported } from '@whittle/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quantizeByGroupJs, quantizeByPositionJs, type AffineParts, type CodeSpec, type ScaleGrid, type SlotParams } from '../primitives/affine-kernels.ts';
import { affineLayout } from '../primitives/affine-layout.ts';
import { quantizationRange } from '../primitives/quantization-range.ts';
import { createAffineSimd, quantizeByGroupSimd, quantizeByPositionSimd, type AffineSimdKernel } from './affine-simd.ts';


// The SIMD kernel against the JS kernels (the spec), on the bytes an encoding stores. Tiny chunks
// make rows, runs and groups span or exceed chunks, and packed bytes straddle chunk boundaries.
const kernels: [string, AffineSimdKernel | undefined][] = [
  ['default chunk', createAffineSimd()],
  ['48-element chunk', createAffineSimd(undefined, 48)],
  ['1000-element chunk', createAffineSimd(undefined, 1000)],
];

type Layout = { readonly shape: number[]; readonly granularity: { kind: 'axis'; axis: number } | { kind: 'group'; axis: number; size: number } | { kind: 'tensor' } };

function specOf(bits: number, narrowRange: boolean, scaleDType: 'float32' | 'float16', grid: ScaleGrid, symmetric = true): CodeSpec {
  const { qmin, qmax } = quantizationRange(bits, symmetric, narrowRange);
  return { bits, symmetric, grid: symmetric ? grid : 'absmax', qmin, qmax, mask: 2 ** bits - 1, scaleDType };
}

/** The JS kernels' results stored as an encoding keeps them, packed by core's checked packBits; undefined when they fail. */
function reference(values: Float32Array, { shape, granularity }: Layout, spec: CodeSpec) {
  const layout = affineLayout(shape, granularity);
  const params: SlotParams = { scales: new Float64Array(layout.slotCount), zeroPoints: new Float64Array(layout.slotCount) };
  const codes = new Uint8Array(values.length);
  try {
    const run = granularity.kind === 'group' ? quantizeByGroupJs : quantizeByPositionJs;
    if (!run(values, layout, spec, params, codes)) return undefined;
  } catch {
    return undefined;
  }
  // Signed codes are two's complement in `bits`: core's packBits checks them in their signed range.
  const checked = spec.symmetric ? Array.from(codes, (code) => (code > spec.mask >>> 1 ? code - spec.mask - 1 : code)) : Array.from(codes);
  return {
    codes: Array.from(packBits(checked, spec.bits, spec.symmetric)),
    scales: Array.from(params.scales, (scale) => (spec.scaleDType === 'float16' ? float32ToFloat16Bits(scale) : Math.fround(scale))),
    zeroPoints: spec.symmetric ? [] : Array.from(params.zeroPoints),
  };
}

/** The SIMD kernel's stored bytes, written over buffers full of stale bytes; undefined when it declines. */
function simd(values: Float32Array, { shape, granularity }: Layout, spec: CodeSpec, kernel: AffineSimdKernel) {
  const layout = affineLayout(shape, granularity);
  const codeBytes = Math.ceil((values.length * spec.bits) / 8);
  const parts: AffineParts = {
    codes: new Uint8Array(codeBytes).fill(0xa5),
    scales: spec.scaleDType === 'float16' ? new Uint16Array(layout.slotCount).fill(0x7bff) : new Float32Array(layout.slotCount).fill(12345),
    ...(spec.symmetric ? {} : { zeroPoints: new Uint8Array(layout.slotCount).fill(0xa5) }),
  };
  const run = granularity.kind === 'group' ? quantizeByGroupSimd : quantizeByPositionSimd;
  if (run(values, layout, spec, parts, kernel) === undefined) return undefined;
  return { codes: Array.from(parts.codes), scales: Array.from(parts.scales), zeroPoints: Array.from(parts.zeroPoints ?? []) };
}

/**
 * Values with ties of either grid's step (k + 0.5 steps: round half to even must break them as
 * JS does), zeros of both signs, ±the extreme (the signed-extreme grid's tie), subnormals, and
 * outliers up to float32's largest (float16 scales overflow on those: the kernel must decline).
 * `shape` then makes ranges one-sided (every value shifted by ±the magnitude: asymmetric zero
 * points at either end), constant (every value the same: constant rows and groups), or all zero.
 */
function valuesOf(count: number, seed: number, magnitude: number, spec: CodeSpec, outliers: readonly number[], shape: ValueShape = 'mixed'): Float32Array {
  let state = seed >>> 0 || 1;
  const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const absmaxStep = (2 * magnitude) / (spec.qmax - spec.qmin);
  const extremeStep = magnitude / -spec.qmin;
  const values = new Float32Array(count);
  for (let index = 0; index < count; index++) {
    const kind = random();
    const step = Math.floor(random() * (spec.qmax - spec.qmin)) + spec.qmin;
    if (kind < 0.45) values[index] = (random() * 2 - 1) * magnitude;
    else if (kind < 0.6) values[index] = (step + 0.5) * absmaxStep;
    else if (kind < 0.75) values[index] = (step + 0.5) * extremeStep;
    else if (kind < 0.8) values[index] = 0;
    else if (kind < 0.85) values[index] = -0;
    else if (kind < 0.9) values[index] = random() < 0.5 ? 1e-45 * Math.ceil(random() * 1e6) : -1e-40;
    else values[index] = random() < 0.5 ? magnitude : -magnitude;
  }
  if (shape === 'positive' || shape === 'negative') {
    const shift = shape === 'positive' ? magnitude : -magnitude;
    for (let index = 0; index < count; index++) values[index] = values[index]! + shift;
  }
  if (shape === 'constant') values.fill(values[0]!);
  if (shape === 'zero') values.fill(random() < 0.5 ? 0 : -0);
  for (const outlier of outliers) values[Math.floor(random() * count)] = outlier;
  return values;
}

const VALUE_SHAPES = ['mixed', 'positive', 'negative', 'constant', 'zero'] as const;
type ValueShape = (typeof VALUE_SHAPES)[number];

const caseArbitrary = fc
  .record({
    symmetric: fc.boolean(),
    bits: fc.integer({ min: 1, max: 8 }),
    narrowRange: fc.boolean(),
    shape: fc.constantFrom(...VALUE_SHAPES),
    scaleDType: fc.constantFrom('float32' as const, 'float16' as const),
    grid: fc.constantFrom('absmax' as const, 'signed-extreme' as const),
    magnitudeExponent: fc.integer({ min: -40, max: 6 }),
    outliers: fc.array(fc.constantFrom(3e38, -3.4028234663852886e38, 1e30, -7e4, 5e4, 1e-38), { maxLength: 2 }),
    groupSize: fc.constantFrom(16, 17, 31, 32, 33, 64, 100),
    groups: fc.integer({ min: 1, max: 3 }),
    // Rows of whole groups half the time: the back-to-back group walk.
    partial: fc.oneof(fc.constant(0), fc.nat({ max: 40 })),
    columns: fc.integer({ min: 16, max: 70 }),
    outer: fc.integer({ min: 1, max: 2 }),
    seed: fc.nat(),
  })
  .map((parameters) => {
    // Symmetric codes need 2 bits; 1-bit unsigned codes have no narrow range.
    const bits = parameters.symmetric ? Math.max(2, parameters.bits) : parameters.bits;
    const narrowRange = parameters.narrowRange && bits > 1;
    const spec = specOf(bits, narrowRange, parameters.scaleDType, parameters.grid, parameters.symmetric);
    const length = parameters.groups * parameters.groupSize + (parameters.partial % parameters.groupSize);
    const magnitude = Math.fround(10 ** parameters.magnitudeExponent);
    const values = valuesOf(parameters.outer * length * parameters.columns, parameters.seed, magnitude, spec, parameters.outliers, parameters.shape);
    return { ...parameters, spec, length, values };
  });

/**
 * The kernel writes exactly the reference's bytes, or declines where the reference fails, and
 * where a float32 scale is so small (below about 2^-128, values of subnormal size) that its
 * inverse is beyond float32: the JS path codes those with the float64 inverse.
 */
function expectSame(values: Float32Array, layout: Layout, spec: CodeSpec, kernel: AffineSimdKernel): void {
  const expected = reference(values, layout, spec);
  const actual = simd(values, layout, spec, kernel);
  if (expected === undefined) expect(actual).toBeUndefined();
  else if (actual === undefined) {
    expect(spec.scaleDType === 'float32' && expected.scales.some((scale) => Math.abs(Math.fround(1 / scale)) === Infinity)).toBe(true);
  } else {
    expect(actual!.scales).toEqual(expected.scales);
    expect(actual!.zeroPoints).toEqual(expected.zeroPoints);
    expect(actual!.codes).toEqual(expected.codes);
  }
}

describe.each(kernels)('WebAssembly SIMD affine kernel (%s)', (_label, kernel) => {
  it('is available on this engine', () => {
    expect(webAssemblySimdSupported()).toBe(true);
    expect(kernel).toBeDefined();
  });

  it('per group, both Dense layouts: the same scales, zero points and packed codes as the JS path, symmetric on both grids and asymmetric', () => {
    fc.assert(
      fc.property(caseArbitrary, ({ outer, length, columns, groupSize, spec, values }) => {
        // [in, out] by in (groups of rows, strided), and the same values as rows of `length` (contiguous).
        expectSame(values, { shape: [outer, length, columns], granularity: { kind: 'group', axis: 1, size: groupSize } }, spec, kernel!);
        expectSame(values, { shape: [outer * columns, length], granularity: { kind: 'group', axis: 1, size: groupSize } }, spec, kernel!);
      }),
      { numRuns: 200 },
    );
  });

  it('per position along an axis, both Dense layouts and per tensor: the same bytes as the JS path', () => {
    fc.assert(
      fc.property(caseArbitrary, ({ outer, length, columns, spec, values }) => {
        expectSame(values, { shape: [outer * length, columns], granularity: { kind: 'axis', axis: 1 } }, spec, kernel!);
        // Runs of `length` per channel; with outer > 1 a channel's runs are apart (two passes).
        if (length >= 64) {
          expectSame(values, { shape: [outer, columns, length], granularity: { kind: 'axis', axis: 1 } }, spec, kernel!);
          expectSame(values, { shape: [values.length], granularity: { kind: 'tensor' } }, spec, kernel!);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('declines NaN and infinities anywhere, so the JS path reports them', () => {
    fc.assert(
      fc.property(caseArbitrary, fc.nat(), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY), (testCase, position, bad) => {
        const values = testCase.values.slice();
        values[position % values.length] = bad;
        const { outer, length, columns, groupSize, spec } = testCase;
        for (const layout of [
          { shape: [outer, length, columns], granularity: { kind: 'group', axis: 1, size: groupSize } },
          { shape: [outer * columns, length], granularity: { kind: 'group', axis: 1, size: groupSize } },
          { shape: [outer * length, columns], granularity: { kind: 'axis', axis: 1 } },
        ] satisfies Layout[]) {
          expect(reference(values, layout, spec)).toBeUndefined();
          expect(simd(values, layout, spec, kernel!)).toBeUndefined();
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('WebAssembly SIMD rounding', () => {
  it('breaks exact ties to even, keeps negative zero at code 0 and clamps', () => {
    // A column peaking at 127.5 gets scale exactly 1 (2 · 127.5 / 255), so values are their own codes.
    const column = [127.5, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, -0, 126.5, -127.5, 3.4999998, -3.5000002];
    // 127.5 rounds to 128 and clamps to 127; -127.5 rounds to -128.
    const expected = [127, 0, 2, 2, 0, -2, -2, 0, 126, -128, 3, -4];
    const columns = 17; // one 16-wide block plus a scalar tail, same column in both
    const values = new Float32Array(column.length * columns);
    column.forEach((value, row) => values.fill(value, row * columns, (row + 1) * columns));
    const layout: Layout = { shape: [column.length, columns], granularity: { kind: 'axis', axis: 1 } };
    const result = simd(values, layout, specOf(8, false, 'float32', 'absmax'), createAffineSimd()!);
    expect(result!.scales[0]).toBe(1);
    expect(result!.codes).toEqual(column.flatMap((_, row) => new Array(columns).fill(expected[row]! & 255)));
  });

  it('on the signed-extreme grid maps a positive extreme to qmin with a negative scale', () => {
    const values = Float32Array.from({ length: 32 }, (_, index) => (index === 5 ? 0.8 : index === 9 ? -0.8 : ((index % 7) - 3) / 10));
    const layout: Layout = { shape: [1, 32], granularity: { kind: 'group', axis: 1, size: 32 } };
    const result = simd(values, layout, specOf(4, false, 'float32', 'signed-extreme'), createAffineSimd()!);
    // +0.8 and −0.8 tie: the positive one is the extreme, scale −0.1 (rounded up in magnitude).
    expect(result!.scales[0]).toBe(Math.fround(-0.1));
    const codes = Array.from({ length: 32 }, (_, index) => (result!.codes[index >> 1]! >> ((index & 1) * 4)) & 15);
    expect(codes[5]).toBe(8); // −8 in two's complement
    expect(codes[9]).toBe(7); // +8 clamps to 7
  });
});

describe('WebAssembly SIMD asymmetric codes', () => {
  it('maps a known range to its scale, zero point and codes (plain arithmetic as the oracle)', () => {
    // One group of 32: low −1, high 2, 4 bits. scale = 3 / 15 = 0.2, rounded up to a float32;
    // zero point = 0 − round(−1 / scale) = 5; codes = round(value / scale) + 5, clamped to 0..15.
    const group = [-1, 2, 0, -0, 0.1, 0.3, -0.5, 1.9, 1e-45, -1e-45, ...new Array(22).fill(1)];
    const values = Float32Array.from(group);
    const layout: Layout = { shape: [1, 32], granularity: { kind: 'group', axis: 1, size: 32 } };
    const result = simd(values, layout, specOf(4, false, 'float32', 'absmax', false), createAffineSimd()!);
    const scale = Math.fround(0.2);
    expect(scale).toBeGreaterThanOrEqual(0.2);
    expect(result!.scales).toEqual([scale]);
    expect(result!.zeroPoints).toEqual([5]);
    const codes = Array.from({ length: 32 }, (_, index) => (result!.codes[index >> 1]! >> ((index & 1) * 4)) & 15);
    // Round half to even (0.1 / 0.2 is a tie that goes to 0), on the float32 product value · float32(1 / scale)
    // as the spec computes it (1.9 · 5 is the tie 9.5 there, which goes to 10).
    const halfEven = (x: number) => (Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x));
    const expected = group.map((value) => Math.min(15, Math.max(0, halfEven(Math.fround(Math.fround(value) * Math.fround(1 / scale))) + 5)));
    expect(codes).toEqual(expected);
    expect(codes.slice(0, 5)).toEqual([0, 15, 5, 5, 5]);
  });

  it('gives constant and all-zero groups scale 1 or their own width, and a zero point at the end of the range', () => {
    const layout: Layout = { shape: [3, 16], granularity: { kind: 'group', axis: 1, size: 16 } };
    // Rows: all +0 / −0 (scale 1, zero point 0), all 3 (range [0, 3]: zero point 0, codes 255),
    // all −3 (range [−3, 0]: zero point 255, codes 0).
    const values = Float32Array.from({ length: 48 }, (_, index) => (index < 16 ? (index % 2 === 0 ? 0 : -0) : index < 32 ? 3 : -3));
    const result = simd(values, layout, specOf(8, false, 'float32', 'absmax', false), createAffineSimd()!);
    // 3 / 255 rounded up to a float32: Math.fround rounds to nearest, which is above it here.
    expect(Math.fround(3 / 255)).toBeGreaterThanOrEqual(3 / 255);
    expect(result!.scales).toEqual([1, Math.fround(3 / 255), Math.fround(3 / 255)]);
    expect(result!.zeroPoints).toEqual([0, 0, 255]);
    expect(result!.codes).toEqual([...new Array(16).fill(0), ...new Array(16).fill(255), ...new Array(16).fill(0)]);
  });
});

describe('WebAssembly SIMD signed-extreme scales, four to a float32 lane', () => {
  /** Groups of 16 whose extremes are `extremes` (the sign alternating), the other values a fraction of them. */
  function groupsWithExtremes(extremes: readonly number[]): Float32Array {
    const values = new Float32Array(extremes.length * 16);
    extremes.forEach((extreme, group) => {
      const signed = group % 2 === 0 ? extreme : -extreme;
      for (let index = 0; index < 16; index++) values[group * 16 + index] = Math.fround(signed * ((index * 7) % 16) / 16);
      values[group * 16 + ((group * 5) % 16)] = signed;
    });
    return values;
  }

  /** Those groups, 4-bit codes on the signed-extreme grid: the kernel codes them (it does not decline) to the JS path's bytes. */
  function expectKernelCodes(extremes: readonly number[], scaleDType: 'float32' | 'float16'): void {
    const values = groupsWithExtremes(extremes);
    const layout: Layout = { shape: [extremes.length, 16], granularity: { kind: 'group', axis: 1, size: 16 } };
    const spec = specOf(4, false, scaleDType, 'signed-extreme');
    const kernel = createAffineSimd()!;
    expect(simd(values, layout, spec, kernel)).toBeDefined();
    expectSame(values, layout, spec, kernel);
  }

  it('rounds float32 scales that fall subnormal as the float64 path does, ties to even included', () => {
    // Extremes just above 2^-124 step by float32's spacing there (2^-147): extreme / 8 lands on
    // every multiple of 2^-150, half the subnormal spacing, so half of them are ties. Their
    // inverses (about 2^127) still fit float32, so the kernel codes them.
    expectKernelCodes(Array.from({ length: 64 }, (_, index) => 2 ** -124 + index * 2 ** -147), 'float32');
  });

  it('rounds float16 scales to the nearest half, ties to even, below and above the subnormal halves', () => {
    // extreme / 8 on the half grid plus 0, a quarter, a half and three quarters of its spacing,
    // around 2^-14 (where the spacing stops shrinking), 1 and 4096.
    const extremes: number[] = [];
    for (const base of [2 ** -16, 2 ** -14, 2 ** -13, 1, 4096]) {
      const spacing = Math.max(base, 2 ** -14) * 2 ** -10;
      for (let step = 0; step < 8; step++) for (const part of [0, 0.25, 0.5, 0.75]) extremes.push(Math.fround(8 * (base + (step + part) * spacing)));
    }
    expectKernelCodes(extremes, 'float16');
  });
});

describe('SIMD dispatch', () => {
  const values = Float32Array.from({ length: 64 * 80 }, (_, index) => Math.sin(index) * (index % 7));
  const spec = specOf(8, false, 'float32', 'absmax');
  const parts = (slots: number): AffineParts => ({ codes: new Uint8Array(values.length * 2), scales: new Float32Array(slots) });

  it('declines what it does not cover, so the JS path runs', () => {
    const layout = affineLayout([64, 80], { kind: 'axis', axis: 1 });
    const kernel = createAffineSimd()!;
    // Asymmetric codes with nowhere for their zero points to go (or 16-bit ones).
    expect(quantizeByPositionSimd(values, layout, { ...spec, symmetric: false, qmin: 0, qmax: 255 }, parts(80), kernel)).toBeUndefined();
    expect(
      quantizeByPositionSimd(values, layout, { ...spec, symmetric: false, qmin: 0, qmax: 255 }, { ...parts(80), zeroPoints: new Uint16Array(80) }, kernel),
    ).toBeUndefined();
    expect(quantizeByPositionSimd(values, layout, { ...spec, symmetric: false, qmin: 0, qmax: 255 }, { ...parts(80), zeroPoints: new Uint8Array(80) }, kernel)).toBe(true);
    // Zero points inside the module's memory: its scratch could overlap them, and growing it would detach them.
    const inModule = new Uint8Array(kernel.exports.memory.buffer, 0, 80);
    expect(quantizeByPositionSimd(values, layout, { ...spec, symmetric: false, qmin: 0, qmax: 255 }, { ...parts(80), zeroPoints: inModule }, kernel)).toBeUndefined();
    expect(quantizeByPositionSimd(values, layout, specOf(16, false, 'float32', 'absmax'), parts(80), kernel)).toBeUndefined();
    expect(quantizeByPositionSimd(values, affineLayout([640, 8], { kind: 'axis', axis: 1 }), spec, parts(8), kernel)).toBeUndefined();
    expect(quantizeByGroupSimd(values, affineLayout([640, 8], { kind: 'group', axis: 0, size: 32 }), spec, parts(160), kernel)).toBeUndefined();
    expect(quantizeByGroupSimd(values, affineLayout([64, 80], { kind: 'group', axis: 1, size: 8 }), spec, parts(640), kernel)).toBeUndefined();
  });

  it('falls back to JS when WebAssembly SIMD is unavailable', () => {
    let probed = false;
    const kernel = createAffineSimd(() => {
      probed = true;
      return false;
    });
    expect(probed).toBe(true);
    expect(kernel).toBeUndefined();
    expect(quantizeByPositionSimd(values, affineLayout([64, 80], { kind: 'axis', axis: 1 }), spec, parts(80), null)).toBeUndefined();
  });
});
