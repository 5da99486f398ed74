import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quantizeByGroupJs, type CodeSpec, type SlotParams } from '../primitives/affine-kernels.ts';
import { affineLayout } from '../primitives/affine-layout.ts';
import { quantizationRange } from '../primitives/quantization-range.ts';
import { createAffineSimd, quantizeByGroupSimd, type AffineSimdKernel } from './affine-simd.ts';

// Per-group SIMD against the JS path (the spec). A tiny chunk makes groups span or exceed chunks.
const kernels: [string, AffineSimdKernel | undefined][] = [
  ['default chunk', createAffineSimd()],
  ['48-element chunk', createAffineSimd(undefined, 48)],
  ['1024-element chunk', createAffineSimd(undefined, 1024)],
];

function specOf(bits: number, narrowRange: boolean, scaleDType: 'float32' | 'float16'): CodeSpec {
  const { qmin, qmax } = quantizationRange(bits, true, narrowRange);
  return { symmetric: true, qmin, qmax, mask: 2 ** bits - 1, scaleDType };
}

function emptyParams(count: number): SlotParams {
  return { scales: new Float64Array(count), zeroPoints: new Float64Array(count) };
}

/** A run's result, or the message it threw (float16 scales throw on wide ranges, in both paths). */
function outcome(run: () => boolean | undefined): boolean | string | undefined {
  try {
    return run();
  } catch (error) {
    return String(error);
  }
}

type Run = (values: Float32Array, params: SlotParams, codes: Uint8Array) => boolean | undefined;

/** Runs the JS path and the SIMD path; everything they write must be the same, failures included. */
function expectSame(values: Float32Array, shape: number[], axis: number, size: number, spec: CodeSpec, kernel: AffineSimdKernel) {
  const layout = affineLayout(shape, { kind: 'group', axis, size });
  const run = (quantize: Run) => {
    const params = emptyParams(layout.slotCount);
    const codes = new Uint8Array(values.length);
    return { finite: outcome(() => quantize(values, params, codes)), params, codes };
  };
  const expected = run((v, p, c) => quantizeByGroupJs(v, layout, spec, p, c));
  const actual = run((v, p, c) => quantizeByGroupSimd(v, layout, spec, p, c, kernel));
  expect(actual.finite).not.toBeUndefined();
  expect(actual.finite).toBe(expected.finite);
  expect(Array.from(actual.params.scales)).toEqual(Array.from(expected.params.scales));
  expect(Array.from(actual.params.zeroPoints)).toEqual(Array.from(expected.params.zeroPoints));
  expect(actual.codes).toEqual(expected.codes);
  return expected.finite;
}

/**
 * Values with outliers, zeros, −0, and exact half-steps of the scale a group peaking at
 * `magnitude` gets (k + 0.5 steps: the ties round half to even must break as JS does).
 */
const caseArbitrary = fc
  .record({
    groupSize: fc.constantFrom(16, 17, 31, 32, 33, 64, 100, 128),
    groups: fc.integer({ min: 1, max: 4 }),
    partial: fc.nat({ max: 40 }),
    columns: fc.integer({ min: 16, max: 70 }),
    outer: fc.integer({ min: 1, max: 2 }),
    bits: fc.integer({ min: 2, max: 8 }),
    narrowRange: fc.boolean(),
    scaleDType: fc.constantFrom('float32' as const, 'float16' as const),
    magnitudeExponent: fc.integer({ min: -8, max: 6 }),
    outliers: fc.array(fc.double({ min: 1, max: 1e6, noNaN: true }), { maxLength: 3 }),
    seed: fc.nat(),
  })
  .map((parameters) => {
    const spec = specOf(parameters.bits, parameters.narrowRange, parameters.scaleDType);
    const length = parameters.groups * parameters.groupSize + (parameters.partial % parameters.groupSize);
    const exponent = parameters.scaleDType === 'float16' ? Math.min(parameters.magnitudeExponent, 3) : parameters.magnitudeExponent;
    const magnitude = Math.fround(10 ** exponent);
    const step = (2 * magnitude) / (spec.qmax - spec.qmin);
    const count = parameters.outer * length * parameters.columns;
    const values = new Float32Array(count);
    let state = parameters.seed >>> 0 || 1;
    const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const half = Math.floor((spec.qmax - spec.qmin) / 2);
    for (let index = 0; index < count; index++) {
      const kind = random();
      if (kind < 0.55) values[index] = (random() * 2 - 1) * magnitude;
      else if (kind < 0.85) values[index] = (Math.floor(random() * (2 * half + 1)) - half - 0.5) * step;
      else if (kind < 0.9) values[index] = 0;
      else if (kind < 0.95) values[index] = -0;
      else values[index] = random() < 0.5 ? magnitude : -magnitude;
    }
    // Whole zero groups (scale 1) and outliers that dwarf their group's other values.
    if (random() < 0.3) values.fill(random() < 0.5 ? 0 : -0, 0, Math.min(count, parameters.groupSize * parameters.columns));
    for (const outlier of parameters.outliers) values[Math.floor(random() * count)] = outlier * magnitude;
    return { ...parameters, spec, length, values };
  });

describe.each(kernels)('WebAssembly SIMD per-group kernel (%s)', (_label, kernel) => {
  it('is available on this engine', () => {
    expect(kernel).toBeDefined();
  });

  it('[in, out] with groups along in: scales and codes exactly as the JS path', () => {
    fc.assert(
      fc.property(caseArbitrary, ({ outer, length, columns, groupSize, spec, values }) => {
        expectSame(values, [outer, length, columns], 1, groupSize, spec, kernel!);
        if (outer === 1) expectSame(values, [length, columns], 0, groupSize, spec, kernel!);
      }),
      { numRuns: 100 },
    );
  });

  it('[out, in] with groups along in: scales and codes exactly as the JS path', () => {
    fc.assert(
      fc.property(caseArbitrary, ({ outer, length, columns, groupSize, spec, values }) => {
        // The same values as `columns` (× outer) rows of `length`, groups along the last axis.
        expectSame(values, [outer * columns, length], 1, groupSize, spec, kernel!);
      }),
      { numRuns: 100 },
    );
  });

  it('reports NaN and infinities, and float16 overflow, as the JS path does (same writes before)', () => {
    fc.assert(
      fc.property(
        caseArbitrary,
        fc.nat(),
        fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e30, -3e38),
        ({ outer, length, columns, groupSize, spec, values: generated }, position, bad) => {
          const values = generated.slice();
          values[position % values.length] = bad;
          const strided = expectSame(values, [outer, length, columns], 1, groupSize, spec, kernel!);
          const contiguous = expectSame(values, [outer * columns, length], 1, groupSize, spec, kernel!);
          // False, or the float16 overflow an earlier group's outlier threw first (in both paths).
          if (!Number.isFinite(bad)) for (const result of [strided, contiguous]) expect(result).not.toBe(true);
        },
      ),
      { numRuns: 80 },
    );
  });
});

describe('quantizeByGroupSimd dispatch', () => {
  const spec = specOf(4, false, 'float16');
  const values = Float32Array.from({ length: 64 * 80 }, (_, index) => Math.sin(index) * (index % 7));

  it('declines what it does not handle, so the JS path runs', () => {
    const layout = affineLayout([64, 80], { kind: 'group', axis: 0, size: 32 });
    const params = emptyParams(layout.slotCount);
    const codes = new Uint8Array(values.length);
    const asymmetric: CodeSpec = { ...spec, symmetric: false, qmin: 0, qmax: 15 };
    expect(quantizeByGroupSimd(values, layout, asymmetric, params, codes)).toBeUndefined();
    const wide = specOf(16, false, 'float32');
    expect(quantizeByGroupSimd(values, layout, wide, params, new Uint16Array(values.length))).toBeUndefined();
    expect(quantizeByGroupSimd(values, affineLayout([640, 8], { kind: 'group', axis: 0, size: 32 }), spec, params, codes)).toBeUndefined();
    expect(quantizeByGroupSimd(values, affineLayout([64, 80], { kind: 'group', axis: 1, size: 8 }), spec, params, codes)).toBeUndefined();
  });

  it('falls back to JS when WebAssembly SIMD is unavailable', () => {
    expect(createAffineSimd(() => false)).toBeUndefined();
    const layout = affineLayout([64, 80], { kind: 'group', axis: 0, size: 32 });
    expect(quantizeByGroupSimd(values, layout, spec, emptyParams(layout.slotCount), new Uint8Array(values.length), null)).toBeUndefined();
  });

  it('takes the SIMD path for int4 groups of 32 (Q4_0-like) in both layouts', () => {
    for (const [shape, axis] of [
      [[64, 80], 0],
      [[80, 64], 1],
    ] as const) {
      const layout = affineLayout(shape, { kind: 'group', axis, size: 32 });
      expect(quantizeByGroupSimd(values, layout, spec, emptyParams(layout.slotCount), new Uint8Array(values.length))).toBe(true);
    }
  });
});
