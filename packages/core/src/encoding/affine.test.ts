import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { toFloat32 } from '../tensor/host-tensor.ts';
import { stridesOf } from '../tensor/shape.ts';
import { encodingArbitrary } from '../testing/arbitraries.ts';
import { affineEncoding, affineFromCodes } from './affine.ts';
import { unpackBits } from './bit-pack.ts';
import { decode } from './decode.ts';
import { scalesShape } from './granularity.ts';
import type { AffineEncoding, Granularity } from './types.ts';

/** The scale index of one element, from its multi-index: written independently of decode's loops. */
function referenceScaleIndex(shape: readonly number[], granularity: Granularity, flat: number): number {
  const strides = stridesOf(shape);
  const position = strides.map((stride, axis) => Math.floor(flat / stride) % shape[axis]!);
  if (granularity.kind === 'tensor') return 0;
  if (granularity.kind === 'axis') return position[granularity.axis]!;
  const grouped = position.map((index, axis) =>
    axis === granularity.axis ? Math.floor(index / granularity.size) : index
  );
  const scaleStrides = stridesOf(scalesShape(shape, granularity));
  return grouped.reduce((sum, index, axis) => sum + index * scaleStrides[axis]!, 0);
}

function referenceDecode(encoding: AffineEncoding): number[] {
  const size = encoding.shape.reduce((product, dimension) => product * dimension, 1);
  const codes = unpackBits(encoding.codes, size, encoding.bits, encoding.signed);
  const real = (tensor: AffineEncoding['scales']) => (tensor.dtype === 'float64' ? tensor.data : toFloat32(tensor).data);
  const scales = real(encoding.scales);
  const offsets = encoding.offsets === undefined ? undefined : real(encoding.offsets);
  return Array.from(codes, (code, flat) => {
    const scaleIndex = referenceScaleIndex(encoding.shape, encoding.granularity, flat);
    if (offsets !== undefined) return Math.fround(code * scales[scaleIndex]! + offsets[scaleIndex]!);
    const zeroPoint = encoding.zeroPoints?.data[scaleIndex] ?? 0;
    return Math.fround((code - zeroPoint) * scales[scaleIndex]!);
  });
}

describe('affine encodings', () => {
  test('decode equals (code - zeroPoint) * scale, or code * scale + offset, for every granularity', () => {
    fc.assert(
      fc.property(encodingArbitrary({ kinds: ['affine'], maxRank: 4, maxDimension: 6 }), (encoding) => {
        const decoded = decode(encoding);
        expect(decoded.dtype).toBe('float32');
        expect(decoded.shape).toEqual((encoding as AffineEncoding).shape);
        expect(Array.from(decoded.data)).toEqual(referenceDecode(encoding as AffineEncoding));
      }),
      { numRuns: 300 }
    );
  });

  test('groups along an axis, with a shorter last group', () => {
    const encoding = affineFromCodes({
      shape: [2, 5],
      bits: 4,
      signed: true,
      granularity: { kind: 'group', axis: -1, size: 2 },
      codes: [1, 1, 1, 1, 1, -1, -1, -1, -1, -1],
      scales: { dtype: 'float32', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
      zeroPoints: { dtype: 'int8', shape: [2, 3], data: new Int8Array([0, 0, 0, 0, 0, 1]) },
    });
    expect(encoding.granularity).toEqual({ kind: 'group', axis: 1, size: 2 });
    expect(Array.from(decode(encoding).data)).toEqual([1, 1, 2, 2, 3, -4, -4, -5, -5, -12]);
  });

  test('per-axis scales are one per index along the axis', () => {
    const encoding = affineFromCodes({
      shape: [2, 2, 2],
      bits: 8,
      signed: false,
      granularity: { kind: 'axis', axis: 1 },
      codes: [1, 2, 3, 4, 5, 6, 7, 8],
      scales: { dtype: 'float16', shape: [2], data: new Uint16Array([0x3c00, 0x4000]) },
    });
    expect(Array.from(decode(encoding).data)).toEqual([1, 2, 6, 8, 5, 6, 14, 16]);
  });

  test('rejects scales shaped for another granularity, and short codes', () => {
    const fields = {
      shape: [2, 3],
      bits: 8,
      signed: false,
      granularity: { kind: 'axis', axis: 0 } as const,
      codes: new Uint8Array(6),
      scales: { dtype: 'float32', shape: [3], data: new Float32Array(3) } as const,
    };
    expect(() => affineEncoding(fields)).toThrow(
      expect.objectContaining({ code: 'invalid-encoding', field: 'scales.shape' })
    );
    const scales = { dtype: 'float32', shape: [2], data: new Float32Array(2) } as const;
    expect(() => affineEncoding({ ...fields, scales, codes: new Uint8Array(5) })).toThrow(
      expect.objectContaining({ field: 'codes' })
    );
    expect(() => affineEncoding({ ...fields, scales, granularity: { kind: 'axis', axis: 2 } })).toThrow(
      expect.objectContaining({ field: 'granularity.axis' })
    );
    expect(() => affineFromCodes({ ...fields, scales, codes: [0, 0, 0, 0, 0, 256] })).toThrow(
      expect.objectContaining({ code: 'invalid-argument', field: 'codes[5]' })
    );
  });
});

describe('affine offset form', () => {
  test('decodes code * scale + offset in float64 with one rounding, as tfjs decodes stock uint8', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.double({ min: 1e-6, max: 10, noNaN: true }),
        fc.double({ min: -100, max: 100, noNaN: true }),
        (codes, scale, offset) => {
          const encoding = affineEncoding({
            shape: [codes.length],
            bits: 8,
            signed: false,
            granularity: { kind: 'tensor' },
            codes,
            scales: { dtype: 'float64', shape: [], data: new Float64Array([scale]) },
            offsets: { dtype: 'float64', shape: [], data: new Float64Array([offset]) },
          });
          const expected = Float32Array.from(codes, (code) => code * scale + offset);
          expect(Array.from(decode(encoding).data)).toEqual(Array.from(expected));
        }
      )
    );
  });

  test('zero points and offsets together are rejected', () => {
    expect(() =>
      affineEncoding({
        shape: [1],
        bits: 8,
        signed: false,
        granularity: { kind: 'tensor' },
        codes: new Uint8Array([1]),
        scales: { dtype: 'float32', shape: [], data: new Float32Array([1]) },
        zeroPoints: { dtype: 'uint8', shape: [], data: new Uint8Array([1]) },
        offsets: { dtype: 'float32', shape: [], data: new Float32Array([1]) },
      })
    ).toThrow(/offsets/);
  });
});
