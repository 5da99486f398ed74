import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { float32ToFloat16Bits } from '../../tensor/half.ts';
import { stridesOf } from '../../tensor/shape.ts';
import { affineEncoding } from '../affine.ts';
import { decodeAffine, decodeAffineJs } from '../affine-decode.ts';
import { unpackBits } from '../bit-pack.ts';
import { scalesShape } from '../granularity.ts';
import type { AffineEncoding, Granularity } from '../types.ts';
import { decodeAffineSimd } from './affine-simd.ts';
import { createDecodeSimd, kernelOutput } from './decode-kernel.ts';

// Tiny chunks and no minimum, so small tensors cross many chunk boundaries on the SIMD path.
const kernel = createDecodeSimd({ chunkElements: 64, minimumElements: 0 })!;

/** Element-wise equality that tells -0 from +0 and lets any NaN equal any NaN. */
function sameValues(actual: Float32Array, expected: ArrayLike<number>): boolean {
  if (actual.length !== expected.length) return false;
  for (let index = 0; index < actual.length; index++) if (!Object.is(actual[index], expected[index])) return false;
  return true;
}

/** The scale index of one element, from its multi-index: written apart from both decoders. */
function referenceScaleIndex(shape: readonly number[], granularity: Granularity, flat: number): number {
  const strides = stridesOf(shape);
  const position = strides.map((stride, axis) => Math.floor(flat / stride) % shape[axis]!);
  if (granularity.kind === 'tensor') return 0;
  if (granularity.kind === 'axis') return position[granularity.axis]!;
  const grouped = position.map((index, axis) => (axis === granularity.axis ? Math.floor(index / granularity.size) : index));
  const scaleStrides = stridesOf(scalesShape(shape, granularity));
  return grouped.reduce((sum, index, axis) => sum + index * scaleStrides[axis]!, 0);
}

/** The definition, one element at a time: float64 arithmetic, one float32 rounding. */
function referenceDecode(encoding: AffineEncoding): number[] {
  const size = encoding.shape.reduce((product, dimension) => product * dimension, 1);
  const codes = unpackBits(encoding.codes, size, encoding.bits, encoding.signed);
  const real = (tensor: AffineEncoding['scales'], index: number): number =>
    tensor.dtype === 'float16' ? halfValue(tensor.data[index]!) : tensor.data[index]!;
  return Array.from(codes, (code, flat) => {
    const scaleIndex = referenceScaleIndex(encoding.shape, encoding.granularity, flat);
    const scale = real(encoding.scales, scaleIndex);
    if (encoding.offsets !== undefined) return Math.fround(code * scale + real(encoding.offsets, scaleIndex));
    return Math.fround((code - (encoding.zeroPoints?.data[scaleIndex] ?? 0)) * scale);
  });
}

/** A float16 pattern's value, by its definition. */
function halfValue(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : Number.NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

const specialScale = fc.constantFrom(Number.NaN, Infinity, -Infinity, 0, -0, 2 ** -149, -(2 ** -126), 3.4e38);
const scaleValue = fc.oneof(
  { weight: 6, arbitrary: fc.float({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: specialScale },
);

/** Dimensions: small ones, and multiples of 16 so whole groups of 16 or 32 fill rows. */
const dimension = fc.oneof(fc.integer({ min: 1, max: 13 }), fc.constantFrom(16, 32, 48, 64));

const affineArbitrary: fc.Arbitrary<AffineEncoding> = fc
  .record({
    shape: fc.array(dimension, { minLength: 1, maxLength: 3 }),
    bits: fc.constantFrom(1, 2, 3, 4, 5, 6, 7, 8, 16),
    signed: fc.boolean(),
    granularityKind: fc.constantFrom('tensor', 'axis', 'group'),
    axisSeed: fc.nat(),
    groupSize: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(16, 32)),
    scaleDType: fc.constantFrom('float32', 'float16', 'float64'),
    form: fc.constantFrom('symmetric', 'zeroPoints', 'offsets'),
    zeroPointDType: fc.constantFrom('int8', 'uint8', 'int16', 'uint16', 'int32'),
    seed: fc.nat(),
  })
  .chain((fields) => {
    const { shape, granularityKind, axisSeed } = fields;
    const axis = axisSeed % shape.length;
    const granularity: Granularity =
      granularityKind === 'tensor'
        ? { kind: 'tensor' }
        : granularityKind === 'axis'
          ? { kind: 'axis', axis }
          : { kind: 'group', axis, size: fields.groupSize };
    const scaleCount = scalesShape(shape, granularity).reduce((product, dimension) => product * dimension, 1);
    const size = shape.reduce((product, dimension) => product * dimension, 1);
    const zeroPoint = {
      int8: fc.integer({ min: -128, max: 127 }),
      uint8: fc.integer({ min: 0, max: 255 }),
      int16: fc.integer({ min: -32768, max: 32767 }),
      uint16: fc.integer({ min: 0, max: 65535 }),
      // Beyond ±(2^23 − 128) the SIMD path hands over to JS: both sides of that line.
      int32: fc.oneof(
        fc.integer({ min: -(2 ** 23), max: 2 ** 23 }),
        fc.integer({ min: 2 ** 23 - 140, max: 2 ** 23 - 100 }).map((value) => (value % 2 === 0 ? value : -value)),
        fc.integer(),
      ),
    }[fields.zeroPointDType];
    return fc.record({
      scales: fc.array(scaleValue, { minLength: scaleCount, maxLength: scaleCount }),
      offsets: fc.array(scaleValue, { minLength: scaleCount, maxLength: scaleCount }),
      zeroPoints: fc.array(zeroPoint, { minLength: scaleCount, maxLength: scaleCount }),
      codes: fc.uint8Array({ minLength: Math.ceil((size * fields.bits) / 8), maxLength: Math.ceil((size * fields.bits) / 8) }),
    }).map((values) => {
      const real = (numbers: number[]): AffineEncoding['scales'] => {
        const dims = scalesShape(shape, granularity);
        if (fields.scaleDType === 'float64') return { dtype: 'float64', shape: dims, data: Float64Array.from(numbers) };
        if (fields.scaleDType === 'float32') return { dtype: 'float32', shape: dims, data: Float32Array.from(numbers) };
        return { dtype: 'float16', shape: dims, data: Uint16Array.from(numbers, float32ToFloat16Bits) };
      };
      const zeroPointData = {
        int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array,
      }[fields.zeroPointDType].from(values.zeroPoints);
      return affineEncoding({
        shape,
        bits: fields.bits,
        signed: fields.signed,
        granularity,
        codes: values.codes,
        scales: real(values.scales),
        ...(fields.form === 'zeroPoints'
          ? { zeroPoints: { dtype: fields.zeroPointDType, shape: scalesShape(shape, granularity), data: zeroPointData } as AffineEncoding['zeroPoints'] }
          : {}),
        ...(fields.form === 'offsets' ? { offsets: real(values.offsets) } : {}),
      });
    });
  });

describe('affine SIMD decoding', () => {
  test('equals the JS decoder and the element-wise definition: every shape, granularity, width and form', () => {
    fc.assert(
      fc.property(affineArbitrary, (encoding) => {
        const size = encoding.shape.reduce((product, dimension) => product * dimension, 1);
        const simd = decodeAffine(encoding, new Float32Array(size), kernel);
        const js = decodeAffineJs(encoding, new Float32Array(size));
        expect(sameValues(simd, js)).toBe(true);
        expect(sameValues(simd, referenceDecode(encoding))).toBe(true);
      }),
      { numRuns: 600 },
    );
  });

  test('takes the SIMD path for every case but zero points beyond ±(2^23 − 128)', () => {
    fc.assert(
      fc.property(affineArbitrary, (encoding) => {
        const size = encoding.shape.reduce((product, dimension) => product * dimension, 1);
        const large = Array.from(encoding.zeroPoints?.data ?? []).some((zeroPoint) => Math.abs(zeroPoint) > 2 ** 23 - 128);
        expect(decodeAffineSimd(kernel, encoding, new Float32Array(size))).toBe(!large);
      }),
      { numRuns: 100 },
    );
  });

  test('per-channel int8 and group-32 int4 Dense kernels of realistic size, across default-sized chunks', () => {
    const defaultKernel = createDecodeSimd()!;
    const rows = 300;
    const columns = 257;
    const random = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const next = random(7);
    const scales = Float32Array.from({ length: columns }, () => next() * 0.01);
    const int8 = affineEncoding({
      shape: [rows, columns], bits: 8, signed: true, granularity: { kind: 'axis', axis: 1 },
      codes: Uint8Array.from({ length: rows * columns }, () => Math.floor(next() * 256)),
      scales: { dtype: 'float32', shape: [columns], data: scales },
    });
    const groups = Math.ceil(columns / 32);
    const int4 = affineEncoding({
      shape: [rows, columns], bits: 4, signed: true, granularity: { kind: 'group', axis: 1, size: 32 },
      codes: Uint8Array.from({ length: Math.ceil((rows * columns) / 2) }, () => Math.floor(next() * 256)),
      scales: { dtype: 'float16', shape: [rows, groups], data: Uint16Array.from({ length: rows * groups }, () => float32ToFloat16Bits(next())) },
    });
    for (const encoding of [int8, int4]) {
      const simd = decodeAffine(encoding, new Float32Array(rows * columns), defaultKernel);
      expect(sameValues(simd, referenceDecode(encoding))).toBe(true);
    }
  });

  test('in place in the output region: the same values, nothing around the destination touched', () => {
    const sentinel = 7.25;
    fc.assert(
      fc.property(affineArbitrary, fc.nat(40), fc.nat(40), (encoding, before, after) => {
        const size = encoding.shape.reduce((product, dimension) => product * dimension, 1);
        const region = kernelOutput(before + size + after, kernel)!;
        region.fill(sentinel);
        const destination = region.subarray(before, before + size);
        const large = Array.from(encoding.zeroPoints?.data ?? []).some((zeroPoint) => Math.abs(zeroPoint) > 2 ** 23 - 128);
        expect(decodeAffineSimd(kernel, encoding, destination)).toBe(!large && size > 0);
        if (large || size === 0) return;
        expect(sameValues(destination, referenceDecode(encoding))).toBe(true);
        for (let index = 0; index < before; index++) expect(region[index]).toBe(sentinel);
        for (let index = before + size; index < region.length; index++) expect(region[index]).toBe(sentinel);
      }),
      { numRuns: 300 },
    );
  });
});
