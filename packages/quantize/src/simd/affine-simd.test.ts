import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quantizeByPositionJs, type CodeSpec, type SlotParams } from '../primitives/affine-kernels.ts';
import { affineLayout } from '../primitives/affine-layout.ts';
import { affineScale } from '../primitives/choose-qparams.ts';
import { quantizationRange } from '../primitives/quantization-range.ts';
import {
  createAffineSimd,
  quantizeAcrossRowsSimd,
  quantizeAlongRunsSimd,
  quantizeByPositionSimd,
  type AffineSimdKernel,
} from './affine-simd.ts';
import { webAssemblySimdSupported } from './simd-support.ts';

// These tests need WebAssembly SIMD (every Node ≥ 16.4 has it); the fallback test does not.
const defaultKernel = createAffineSimd();
// A tiny chunk, so the chunked copies in and out cross rows and runs on small tensors.
const tinyChunkKernel = createAffineSimd(undefined, 48);
const kernels: [string, AffineSimdKernel | undefined][] = [
  ['default chunk', defaultKernel],
  ['48-element chunk', tinyChunkKernel],
];

function specOf(bits: number, narrowRange: boolean, scaleDType: 'float32' | 'float16'): CodeSpec {
  const { qmin, qmax } = quantizationRange(bits, true, narrowRange);
  return { symmetric: true, qmin, qmax, mask: 2 ** bits - 1, scaleDType };
}

function emptyParams(count: number): SlotParams {
  return { scales: new Float64Array(count), zeroPoints: new Float64Array(count) };
}

/** A run's result, or the message it threw (float16 scales throw on wide ranges, in both paths). */
function outcome(run: () => boolean): boolean | string {
  try {
    return run();
  } catch (error) {
    return String(error);
  }
}

/** The JS path (the spec) on a [outer, length, inner] tensor with one scale per middle index. */
function reference(values: Float32Array, shape: number[], axis: number, spec: CodeSpec) {
  const layout = affineLayout(shape, { kind: 'axis', axis });
  const params = emptyParams(layout.slotCount);
  const codes = new Uint8Array(values.length);
  const finite = outcome(() => quantizeByPositionJs(values, layout, spec, params, codes));
  return { finite, params, codes };
}

/**
 * Column-wise value generators: plain values, outliers, zeros and negative zeros, and exact
 * (float32-rounded) half-steps k + 0.5 of the scale the column will get, which are the ties
 * round-half-to-even must break the same way.
 */
function columnValues(rows: number, magnitude: number, spec: CodeSpec) {
  const scale = affineScale(-magnitude, magnitude, true, spec.qmin, spec.qmax, spec.scaleDType);
  const half = Math.floor((spec.qmax - spec.qmin) / 2);
  const value = fc.oneof(
    { weight: 4, arbitrary: fc.float({ min: -1, max: 1, noNaN: true }).map((unit) => Math.fround(unit * magnitude)) },
    { weight: 2, arbitrary: fc.integer({ min: -half - 1, max: half }).map((step) => Math.fround((step + 0.5) * scale)) },
    { weight: 1, arbitrary: fc.constantFrom(0, -0, magnitude, -magnitude, Math.fround(magnitude * 1e-30)) },
  );
  return fc.array(value, { minLength: rows, maxLength: rows });
}

const caseArbitrary = fc
  .record({
    rows: fc.integer({ min: 1, max: 24 }),
    columns: fc.integer({ min: 1, max: 70 }),
    bits: fc.integer({ min: 2, max: 8 }),
    narrowRange: fc.boolean(),
    scaleDType: fc.constantFrom('float32' as const, 'float16' as const),
    magnitudeExponent: fc.integer({ min: -8, max: 6 }),
    outlier: fc.option(fc.double({ min: 1, max: 1e6, noNaN: true }), { nil: undefined }),
  })
  .chain((parameters) => {
    const spec = specOf(parameters.bits, parameters.narrowRange, parameters.scaleDType);
    // float16 scales stop at 65504; wider ranges throw (in both paths, which the outliers still check).
    const exponent = parameters.scaleDType === 'float16' ? Math.min(parameters.magnitudeExponent, 3) : parameters.magnitudeExponent;
    const magnitude = Math.fround(10 ** exponent);
    return columnValues(parameters.rows * parameters.columns, magnitude, spec).chain((flat) =>
      fc.nat({ max: flat.length - 1 }).map((outlierIndex) => {
        const values = Float32Array.from(flat);
        // One big value in an otherwise small column: its scale dwarfs the others'.
        if (parameters.outlier !== undefined) values[outlierIndex] = Math.fround(parameters.outlier * magnitude);
        return { ...parameters, spec, values };
      }),
    );
  });

function expectSameParams(actual: SlotParams, expected: SlotParams): void {
  expect(Array.from(actual.scales)).toEqual(Array.from(expected.scales));
  expect(Array.from(actual.zeroPoints)).toEqual(Array.from(expected.zeroPoints));
}

describe.each(kernels)('WebAssembly SIMD affine kernel (%s)', (_label, kernel) => {
  it('is available on this engine', () => {
    expect(webAssemblySimdSupported()).toBe(true);
    expect(kernel).toBeDefined();
  });

  it('codes and scales [rows, columns] with per-column scales exactly as the JS path', () => {
    fc.assert(
      fc.property(caseArbitrary, ({ rows, columns, spec, values }) => {
        const expected = reference(values, [rows, columns], 1, spec);
        const params = emptyParams(columns);
        const codes = new Uint8Array(values.length);
        expect(outcome(() => quantizeAcrossRowsSimd(kernel!, values, rows, columns, spec, params, codes))).toBe(expected.finite);
        expectSameParams(params, expected.params);
        expect(codes).toEqual(expected.codes);
      }),
      { numRuns: 300 },
    );
  });

  it('codes and scales [out, in] with per-row scales exactly as the JS path', () => {
    fc.assert(
      fc.property(caseArbitrary, fc.integer({ min: 1, max: 3 }), ({ rows, columns, spec, values }, outer) => {
        // [outer, rows, columns] with scales along the middle axis: rows are the channels, each a
        // run of `columns` values, repeated (scaled) per outer index so runs of one channel merge.
        const length = rows;
        const inner = columns;
        const tiled = new Float32Array(outer * values.length);
        for (let copy = 0; copy < outer; copy++) tiled.set(values.map((value) => value * (copy + 1)), copy * values.length);
        const expected = reference(tiled, [outer, length, inner], 1, spec);
        const params = emptyParams(length);
        const codes = new Uint8Array(tiled.length);
        expect(outcome(() => quantizeAlongRunsSimd(kernel!, tiled, outer, length, inner, spec, params, codes))).toBe(expected.finite);
        expectSameParams(params, expected.params);
        expect(codes).toEqual(expected.codes);
      }),
      { numRuns: 300 },
    );
  });

  it('reports NaN and infinities as the JS path does', () => {
    fc.assert(
      fc.property(
        caseArbitrary,
        fc.nat(),
        fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
        ({ rows, columns, spec, values: generated }, seed, bad) => {
          // A copy: fast-check reuses generated values while shrinking.
          const values = generated.slice();
          values[seed % values.length] = bad;
          expect(reference(values, [rows, columns], 1, spec).finite).toBe(false);
          const codes = new Uint8Array(values.length);
          expect(quantizeAcrossRowsSimd(kernel!, values, rows, columns, spec, emptyParams(columns), codes)).toBe(false);
          expect(reference(values, [rows, columns], 0, spec).finite).toBe(false);
          expect(quantizeAlongRunsSimd(kernel!, values, 1, rows, columns, spec, emptyParams(rows), codes)).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('WebAssembly SIMD rounding', () => {
  it('breaks exact ties to even, keeps negative zero at code 0 and clamps', () => {
    // A column peaking at 127.5 gets scale exactly 1 (2 · 127.5 / 255), so values are their own codes.
    const column = [127.5, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, -0, 126.5, -127.5, 3.4999998, -3.5000002];
    const expected = [-128, 0, 2, 2, 0, -2, -2, 0, 126, -128, 3, -4];
    const columns = 17; // one 16-wide block plus a scalar tail, same column in both
    const values = new Float32Array(column.length * columns);
    column.forEach((value, row) => values.fill(value, row * columns, (row + 1) * columns));
    const spec = specOf(8, false, 'float32');
    const params = emptyParams(columns);
    const codes = new Uint8Array(values.length);
    expect(quantizeAcrossRowsSimd(defaultKernel!, values, column.length, columns, spec, params, codes)).toBe(true);
    expect(params.scales[0]).toBe(1);
    // 127.5 rounds to 128 and clamps to 127; -127.5 rounds to -128.
    expected[0] = 127;
    for (let row = 0; row < column.length; row++) {
      for (let index = row * columns; index < (row + 1) * columns; index++) expect(codes[index]).toBe(expected[row]! & 255);
    }
    expect(codes).toEqual(reference(values, [column.length, columns], 1, spec).codes);
  });
});

describe('quantizeByPositionSimd dispatch', () => {
  const spec = specOf(8, false, 'float32');
  const values = Float32Array.from({ length: 64 * 80 }, (_, index) => Math.sin(index) * (index % 7));

  it('matches the JS path on Dense kernels in both layouts and per tensor', () => {
    for (const [shape, granularity] of [
      [[64, 80], { kind: 'axis', axis: 1 }],
      [[80, 64], { kind: 'axis', axis: 0 }],
      [[4, 16, 80], { kind: 'axis', axis: 1 }],
      [[64 * 80], { kind: 'tensor' }],
    ] as const) {
      const layout = affineLayout(shape, granularity);
      const expectedParams = emptyParams(layout.slotCount);
      const expectedCodes = new Uint8Array(values.length);
      const finite = quantizeByPositionJs(values, layout, spec, expectedParams, expectedCodes);
      const params = emptyParams(layout.slotCount);
      const codes = new Uint8Array(values.length);
      expect(quantizeByPositionSimd(values, layout, spec, params, codes, defaultKernel!)).toBe(finite);
      expectSameParams(params, expectedParams);
      expect(codes).toEqual(expectedCodes);
    }
  });

  it('declines what it does not handle, so the JS path runs', () => {
    const layout = affineLayout([64, 80], { kind: 'axis', axis: 1 });
    const params = emptyParams(80);
    const codes = new Uint8Array(values.length);
    const asymmetric: CodeSpec = { ...spec, symmetric: false, qmin: 0, qmax: 255 };
    expect(quantizeByPositionSimd(values, layout, asymmetric, params, codes, defaultKernel!)).toBeUndefined();
    const wide = specOf(16, false, 'float32');
    expect(quantizeByPositionSimd(values, layout, wide, params, new Uint16Array(values.length), defaultKernel!)).toBeUndefined();
    const narrow = affineLayout([640, 8], { kind: 'axis', axis: 1 });
    expect(quantizeByPositionSimd(values, narrow, spec, emptyParams(8), codes, defaultKernel!)).toBeUndefined();
  });

  it('falls back to JS when WebAssembly SIMD is unavailable', () => {
    let probed = false;
    const kernel = createAffineSimd(() => {
      probed = true;
      return false;
    });
    expect(probed).toBe(true);
    expect(kernel).toBeUndefined();
    const layout = affineLayout([64, 80], { kind: 'axis', axis: 1 });
    expect(quantizeByPositionSimd(values, layout, spec, emptyParams(80), new Uint8Array(values.length), null)).toBeUndefined();
  });
});
