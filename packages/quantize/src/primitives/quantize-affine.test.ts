import { byteLength, encodingParts, hostTensor, type Granularity } from '@whittle/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { elementParams } from './affine-test-helpers.ts';
import { dequantizeAffine } from './dequantize-affine.ts';
import { quantizationRange } from './quantization-range.ts';
import { quantizeAffine, type QuantizeAffineOptions } from './quantize-affine.ts';
import { float16AtOrAbove, float16Nearest, float32AtOrAbove, float32Nearest } from './reference-floats.ts';
import { seededRandom } from './seeded-random.ts';

const BITS = [2, 3, 4, 5, 6, 7, 8, 16] as const;

/** Finite float32 values of one magnitude band, with zeros and repeats mixed in. */
const valuesArbitrary = (length: number, magnitude: number) =>
  fc.array(
    fc.oneof(
      { weight: 6, arbitrary: fc.float({ min: -1, max: 1, noNaN: true }).map((value) => Math.fround(value * magnitude)) },
      { weight: 1, arbitrary: fc.constantFrom(0, -0, magnitude, -magnitude) },
    ),
    { minLength: length, maxLength: length },
  );

const caseArbitrary = fc
  .record({
    shape: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 3 }),
    bits: fc.constantFrom(...BITS),
    symmetric: fc.boolean(),
    narrowRange: fc.boolean(),
    kind: fc.constantFrom('tensor', 'axis', 'group'),
    axisSeed: fc.nat(),
    size: fc.integer({ min: 1, max: 9 }),
    scaleDType: fc.constantFrom('float32', 'float16'),
    magnitude: fc.constantFrom(1e-6, 1e-3, 1, 100, 3000),
  })
  .chain((parameters) => {
    const length = parameters.shape.reduce((product, dimension) => product * dimension, 1);
    return valuesArbitrary(length, parameters.magnitude).map((values) => ({ ...parameters, values }));
  });

function granularityOf(kind: string, axis: number, size: number): Granularity {
  if (kind === 'tensor') return { kind: 'tensor' };
  return kind === 'axis' ? { kind: 'axis', axis } : { kind: 'group', axis, size };
}

describe('quantizeAffine', () => {
  it('on the absmax grid decodes every value to within half a step, codes in range, zero exact', () => {
    fc.assert(
      fc.property(caseArbitrary, (testCase) => {
        const { shape, bits, symmetric, narrowRange, values, scaleDType } = testCase;
        const granularity = granularityOf(testCase.kind, testCase.axisSeed % shape.length, testCase.size);
        const tensor = hostTensor('float32', shape, Float32Array.from(values));
        const encoding = quantizeAffine(tensor, { bits, symmetric, narrowRange, granularity, scaleDType, grid: 'absmax' });
        const decoded = dequantizeAffine(encoding).data;
        const { codes, scales, zeroPoints } = elementParams(encoding);
        const { qmin, qmax } = quantizationRange(bits, symmetric, narrowRange);
        expect(encoding.signed).toBe(symmetric);
        expect(encoding.scales.dtype).toBe(scaleDType);
        for (let index = 0; index < values.length; index++) {
          const value = values[index]!;
          const scale = scales[index]!;
          expect(scale > 0 && Number.isFinite(scale)).toBe(true);
          expect(codes[index]).toBeGreaterThanOrEqual(qmin);
          expect(codes[index]).toBeLessThanOrEqual(qmax);
          expect(zeroPoints[index]).toBeGreaterThanOrEqual(qmin);
          expect(zeroPoints[index]).toBeLessThanOrEqual(qmax);
          // Half a step, plus the float32 rounding of the decoded value and of 1 / scale.
          const tolerance = scale * 0.5 * (1 + 1e-9) + Math.abs(value) * 2 ** -23;
          expect(Math.abs(decoded[index]! - value)).toBeLessThanOrEqual(tolerance);
          if (value === 0) expect(decoded[index]).toBe(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('on kernels wide enough for the SIMD paths: each scale fits its slot, each code is the nearest', () => {
    // Symmetric int2–8 along runs of 16 or more (and per axis along 64 or more) take the
    // WebAssembly SIMD kernels; the oracle is plain maths over each slot's values.
    const wideCase = fc
      .record({
        rows: fc.integer({ min: 1, max: 4 }),
        columns: fc.integer({ min: 16, max: 96 }),
        bits: fc.constantFrom(2, 3, 4, 5, 6, 7, 8),
        narrowRange: fc.boolean(),
        layout: fc.constantFrom('axis-last', 'axis-first', 'group-last', 'group-first'),
        groupSize: fc.constantFrom(16, 17, 32, 5),
        scaleDType: fc.constantFrom('float32', 'float16'),
        grid: fc.constantFrom('absmax' as const, 'signed-extreme' as const),
        magnitude: fc.constantFrom(1e-3, 1, 100),
      })
      .chain((parameters) =>
        valuesArbitrary(parameters.rows * parameters.columns, parameters.magnitude).map((values) => ({ ...parameters, values })),
      );
    let simdShaped = 0;
    fc.assert(
      fc.property(wideCase, ({ rows, columns, bits, narrowRange, layout, groupSize, scaleDType, grid, values: given }) => {
        const granularity: Granularity =
          layout === 'axis-last'
            ? { kind: 'axis', axis: 1 }
            : layout === 'axis-first'
              ? { kind: 'axis', axis: 0 }
              : { kind: 'group', axis: layout === 'group-last' ? 1 : 0, size: layout === 'group-last' ? Math.max(groupSize, 16) : groupSize };
        if (layout !== 'axis-first' || columns >= 64) simdShaped++;
        const values = Float32Array.from(given);
        const tensor = hostTensor('float32', [rows, columns], values);
        const encoding = quantizeAffine(tensor, { bits, symmetric: true, narrowRange, granularity, scaleDType, grid });
        const { codes, scales } = elementParams(encoding);
        const qmax = 2 ** (bits - 1) - 1;
        const qmin = narrowRange ? -qmax : -qmax - 1;
        // Each element's slot, and the largest magnitude in it, by plain index arithmetic.
        const slotOf = (index: number): number => {
          const [row, column] = [Math.floor(index / columns), index % columns];
          if (granularity.kind === 'axis') return granularity.axis === 1 ? column : row;
          return granularity.axis === 1
            ? row * Math.ceil(columns / granularity.size) + Math.floor(column / granularity.size)
            : Math.floor(row / granularity.size) * columns + column;
        };
        // The extreme: the value of largest magnitude, the positive one of a ± tie.
        const extremes = new Map<number, number>();
        values.forEach((value, index) => {
          const extreme = extremes.get(slotOf(index)) ?? 0;
          if (Math.abs(value) > Math.abs(extreme) || (Math.abs(value) === Math.abs(extreme) && value > extreme)) extremes.set(slotOf(index), value);
        });
        const atOrAbove = scaleDType === 'float16' ? float16AtOrAbove : float32AtOrAbove;
        values.forEach((value, index) => {
          const extreme = extremes.get(slotOf(index)) ?? 0;
          const magnitude = Math.abs(extreme);
          const scale = scales[index]!;
          // absmax: the smallest stored scale whose codes cover ±magnitude, 2·magnitude / (qmax − qmin)
          // rounded up; signed-extreme: extreme / qmin, its magnitude rounded to the nearest.
          if (magnitude > 0 && grid === 'absmax') expect(scale).toBe(atOrAbove((2 * magnitude) / (qmax - qmin)));
          const nearest = scaleDType === 'float16' ? float16Nearest : float32Nearest;
          if (magnitude > 0 && grid === 'signed-extreme') expect(scale).toBe(Math.sign(-extreme) * nearest(magnitude / -qmin));
          const exact = value / scale;
          const code = codes[index]!;
          expect(code).toBeGreaterThanOrEqual(qmin);
          expect(code).toBeLessThanOrEqual(qmax);
          // The nearest code; within a hair of a tie either neighbour (1 / scale is rounded to float32).
          if (Math.abs(Math.abs(exact - Math.trunc(exact)) - 0.5) > 1e-5) {
            expect(code).toBe(Math.min(qmax, Math.max(qmin, Math.round(exact))) + 0);
          }
          // Exactly: the float32 product of the value and the float32 inverse scale, ties to even
          // (a scale below about 2^-128, whose inverse float32 cannot hold, keeps the float64 one).
          const inverse = Number.isFinite(Math.fround(1 / scale)) ? Math.fround(1 / scale) : 1 / scale;
          const product = Math.fround(value * inverse);
          const below = Math.floor(product);
          const rounded = product - below === 0.5 ? (below % 2 === 0 ? below : below + 1) : Math.round(product);
          expect(code).toBe(Math.min(qmax, Math.max(qmin, rounded)) + 0);
          if (value === 0) expect(code).toBe(0);
        });
      }),
      { numRuns: 300 },
    );
    expect(simdShaped).toBeGreaterThan(200);
  });

  it('gives finite, nonzero scales (positive on the absmax grid) for all-zero, constant, single-element and empty tensors', () => {
    const tensors = [
      hostTensor('float32', [4, 3]),
      hostTensor('float32', [2, 2], new Float32Array(4).fill(-2.5)),
      hostTensor('float32', [1], new Float32Array([7])),
      hostTensor('float32', [], new Float32Array([1e-40])),
      hostTensor('float32', [0, 3]),
    ];
    for (const tensor of tensors) {
      for (const granularity of [{ kind: 'tensor' }, { kind: 'axis', axis: -1 }, { kind: 'group', axis: 0, size: 2 }] as const) {
        if (tensor.shape.length === 0 && granularity.kind !== 'tensor') continue;
        for (const symmetric of [true, false]) {
          const encoding = quantizeAffine(tensor, { bits: 4, symmetric, granularity });
          // The signed-extreme grid (symmetric groups' default) makes a positive extreme's scale negative.
          const signs = symmetric && granularity.kind === 'group' ? 'either' : 'positive';
          for (const scale of elementParams(encoding).scales) expect(scale !== 0 && Number.isFinite(scale)).toBe(true);
          for (const scale of encoding.scales.dtype === 'float16' || signs === 'either' ? [] : encoding.scales.data) expect(scale).toBeGreaterThan(0);
          const decoded = dequantizeAffine(encoding).data;
          tensor.data.forEach((value, index) => expect(Math.abs(decoded[index]! - value)).toBeLessThanOrEqual(Math.abs(value) / 7 + 1e-45));
        }
      }
    }
  });

  it('names the element when a value is NaN or infinite', () => {
    for (const bad of [Number.NaN, Infinity, -Infinity]) {
      for (const granularity of [{ kind: 'tensor' }, { kind: 'axis', axis: 1 }, { kind: 'group', axis: 1, size: 2 }, { kind: 'group', axis: 0, size: 2 }] as const) {
        const data = Float32Array.from([1, 2, 3, 4, 5, 6]);
        data[4] = bad;
        const tensor = hostTensor('float32', [2, 3], data);
        expect(() => quantizeAffine(tensor, { bits: 8, granularity })).toThrow(
          expect.objectContaining({ code: 'invalid-tensor', field: 'data[4]', message: expect.stringContaining(String(bad)) }),
        );
      }
    }
  });

  it('rejects bad options with typed errors', () => {
    const tensor = hostTensor('float32', [2, 3]);
    const cases: Array<[QuantizeAffineOptions, string]> = [
      [{ bits: 9, granularity: { kind: 'tensor' } }, 'bits'],
      [{ bits: 1, granularity: { kind: 'tensor' } }, 'bits'],
      [{ bits: 8, granularity: { kind: 'axis', axis: 2 } }, 'granularity.axis'],
      [{ bits: 8, granularity: { kind: 'group', axis: 0, size: 0 } }, 'granularity.size'],
      [{ bits: 8, granularity: { kind: 'rows' } as never }, 'granularity.kind'],
      [{ bits: 8, granularity: { kind: 'tensor' }, scaleDType: 'float64' as never }, 'scaleDType'],
    ];
    for (const [options, field] of cases) {
      expect(() => quantizeAffine(tensor, options)).toThrow(expect.objectContaining({ code: 'invalid-argument', field }));
    }
    expect(() => quantizeAffine(hostTensor('int32', [2]), { bits: 8, granularity: { kind: 'tensor' } })).toThrow(
      expect.objectContaining({ code: 'invalid-tensor' }),
    );
    const huge = hostTensor('float32', [2], new Float32Array([1e30, -1]));
    expect(() => quantizeAffine(huge, { bits: 8, granularity: { kind: 'tensor' }, scaleDType: 'float16' })).toThrow(
      expect.objectContaining({ field: 'scaleDType' }),
    );
  });

  it('counts exactly the bytes it serialises', () => {
    fc.assert(
      fc.property(caseArbitrary, (testCase) => {
        const granularity = granularityOf(testCase.kind, testCase.axisSeed % testCase.shape.length, testCase.size);
        const tensor = hostTensor('float32', testCase.shape, Float32Array.from(testCase.values));
        const encoding = quantizeAffine(tensor, { ...testCase, granularity, scaleDType: 'float32' });
        const parts = encodingParts(encoding);
        expect(byteLength(encoding)).toBe(parts.buffers.reduce((total, buffer) => total + buffer.bytes.byteLength, 0));
      }),
      { numRuns: 100 },
    );
  });

  it('costs at most 4.5 bits per weight at 4 bits in symmetric groups of 32 (ggml Q4_0)', () => {
    for (const shape of [[256, 96], [64, 64], [4096, 32]]) {
      const random = seededRandom(shape[0]!);
      const tensor = hostTensor('float32', shape, Float32Array.from({ length: shape[0]! * shape[1]! }, () => random() - 0.5));
      const encoding = quantizeAffine(tensor, { bits: 4, granularity: { kind: 'group', axis: 0, size: 32 } });
      expect(encoding.scales.dtype).toBe('float16');
      expect((byteLength(encoding) * 8) / tensor.data.length).toBeLessThanOrEqual(4.5);
    }
  });

  it('has no more error per channel than per tensor when channel ranges differ', () => {
    fc.assert(
      fc.property(fc.integer(), fc.constantFrom(2, 4, 8), fc.boolean(), (seed, bits, symmetric) => {
        const random = seededRandom(seed);
        const rows = 24;
        const columns = 6;
        const data = new Float32Array(rows * columns);
        for (let index = 0; index < data.length; index++) data[index] = (random() * 2 - 1) * 10 ** (index % columns);
        const tensor = hostTensor('float32', [rows, columns], data);
        const squaredError = (granularity: Granularity) => {
          const decoded = dequantizeAffine(quantizeAffine(tensor, { bits, symmetric, granularity })).data;
          return data.reduce((total, value, index) => total + (value - decoded[index]!) ** 2, 0);
        };
        expect(squaredError({ kind: 'axis', axis: 1 })).toBeLessThanOrEqual(squaredError({ kind: 'tensor' }));
      }),
      { numRuns: 50 },
    );
  });

  it('reads float64, float16 and bfloat16 tensors, and is deterministic and pure', () => {
    const data = Float32Array.from([0.5, -0.25, 1, 0]);
    const half = hostTensor('float16', [4], new Uint16Array([0x3800, 0xb400, 0x3c00, 0]));
    const double = hostTensor('float64', [4], Float64Array.from(data));
    const options = { bits: 8, granularity: { kind: 'tensor' } } as const;
    const reference = quantizeAffine(hostTensor('float32', [4], data), options);
    expect(quantizeAffine(half, options)).toStrictEqual(reference);
    expect(quantizeAffine(double, options)).toStrictEqual(reference);
    expect(Array.from(data)).toEqual([0.5, -0.25, 1, 0]);
    expect(quantizeAffine(hostTensor('float32', [4], data), options)).toStrictEqual(reference);
  });
});
