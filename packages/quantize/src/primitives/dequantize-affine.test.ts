import { affineFromCodes, hostTensor, type AffineEncoding, type Granularity, type HostTensor } from '@whittle/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dequantizeAffine } from './dequantize-affine.ts';

describe('dequantizeAffine', () => {
  it('decodes zero-point and offset forms as core does', () => {
    const withZeroPoints = affineFromCodes({
      shape: [2, 2], bits: 4, signed: false, granularity: { kind: 'axis', axis: 1 }, codes: [0, 15, 8, 9],
      scales: hostTensor('float32', [2], Float32Array.from([0.5, 0.25])),
      zeroPoints: hostTensor('uint8', [2], Uint8Array.from([8, 8])),
    });
    expect(Array.from(dequantizeAffine(withZeroPoints).data)).toEqual([-4, 1.75, 0, 0.25]);
    const withOffsets = affineFromCodes({
      shape: [2], bits: 8, signed: false, granularity: { kind: 'tensor' }, codes: [0, 255],
      scales: hostTensor('float64', [], Float64Array.from([0.1])), offsets: hostTensor('float64', [], Float64Array.from([-1])),
    });
    expect(Array.from(dequantizeAffine(withOffsets).data)).toEqual([-1, Math.fround(24.5)]);
  });

  it('equals (code − zeroPoint) · scale, or code · scale + offset, written out plainly', () => {
    fc.assert(
      fc.property(encodingCase(), ({ encoding, codes, scales, zeroPoints, offsets }) => {
        const { shape, granularity } = encoding;
        const size = shape.reduce((product, dimension) => product * dimension, 1);
        const expected = Array.from({ length: size }, (_, index) => {
          const group = scaleIndex(index, shape, granularity);
          const value = offsets === undefined ? (codes[index]! - (zeroPoints?.[group] ?? 0)) * scales[group]! : codes[index]! * scales[group]! + offsets[group]!;
          return Math.fround(value);
        });
        expect(Array.from(dequantizeAffine(encoding).data)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects what is not a well-formed affine encoding', () => {
    expect(() => dequantizeAffine({ kind: 'codebook' } as never)).toThrow(expect.objectContaining({ code: 'invalid-encoding', field: 'kind' }));
    expect(() => dequantizeAffine(null as never)).toThrow(expect.objectContaining({ code: 'invalid-encoding' }));
    expect(() => dequantizeAffine({ kind: 'affine', shape: [2], bits: 8, signed: true, granularity: { kind: 'tensor' }, codes: new Uint8Array(1) } as never)).toThrow(
      expect.objectContaining({ code: 'invalid-encoding' }),
    );
  });
});

/** The flat index, into scales shaped as the granularity says, of element `index` (row-major). */
function scaleIndex(index: number, shape: readonly number[], granularity: Granularity): number {
  if (granularity.kind === 'tensor') return 0;
  const position: number[] = [];
  for (let axis = shape.length - 1, rest = index; axis >= 0; axis--) {
    position[axis] = rest % shape[axis]!;
    rest = Math.floor(rest / shape[axis]!);
  }
  if (granularity.kind === 'axis') return position[granularity.axis]!;
  const scalesShape = shape.map((dimension, axis) => (axis === granularity.axis ? Math.ceil(dimension / granularity.size) : dimension));
  position[granularity.axis] = Math.floor(position[granularity.axis]! / granularity.size);
  return position.reduce((flat, coordinate, axis) => flat * scalesShape[axis]! + coordinate, 0);
}

/** Codes packed `bits` wide, least significant bit first, two's complement when signed. */
function packCodes(codes: readonly number[], bits: number): Uint8Array {
  const bytes = new Uint8Array(Math.ceil((codes.length * bits) / 8));
  codes.forEach((code, index) => {
    const pattern = code < 0 ? code + 2 ** bits : code;
    for (let bit = 0; bit < bits; bit++) {
      if (Math.floor(pattern / 2 ** bit) % 2 === 1) bytes[(index * bits + bit) >> 3]! |= 1 << ((index * bits + bit) & 7);
    }
  });
  return bytes;
}

/** A float16 from its bit pattern, by the format's definition. */
function float16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  return sign * (exponent === 0 ? mantissa * 2 ** -24 : (1024 + mantissa) * 2 ** (exponent - 25));
}

interface EncodingCase {
  readonly encoding: AffineEncoding;
  readonly codes: number[];
  readonly scales: number[];
  readonly zeroPoints: number[] | undefined;
  readonly offsets: number[] | undefined;
}

/** Real values stored as `dtype`, and the numbers they stand for. */
function realTensor(dtype: 'float64' | 'float32' | 'float16', shape: number[], seeds: number[]): { tensor: HostTensor<'float64' | 'float32' | 'float16'>; values: number[] } {
  if (dtype === 'float16') {
    // Finite normal halves, either sign, magnitudes 2^-10 to 2^5.
    const patterns = seeds.map((seed) => (seed < 0 ? 0x8000 : 0) | ((5 + Math.floor(Math.abs(seed) * 15.99)) << 10) | Math.floor(Math.abs(seed * 7919) % 1024));
    return { tensor: hostTensor('float16', shape, Uint16Array.from(patterns)), values: patterns.map(float16Value) };
  }
  const values = seeds.map((seed) => seed * 37.5);
  const data = dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
  return { tensor: hostTensor(dtype, shape, data), values: Array.from(data) };
}

function encodingCase(): fc.Arbitrary<EncodingCase> {
  return fc
    .record({
      shape: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 3 }),
      kind: fc.constantFrom('tensor', 'axis', 'group'),
      axisSeed: fc.nat(),
      groupSize: fc.integer({ min: 1, max: 5 }),
      bits: fc.constantFrom(1, 2, 3, 4, 5, 7, 8, 16),
      form: fc.constantFrom('symmetric', 'zeroPoints', 'offsets'),
      scaleDType: fc.constantFrom('float64', 'float32', 'float16'),
      seed: fc.integer(),
    })
    .map(({ shape, kind, axisSeed, groupSize, bits, form, scaleDType, seed }) => {
      const axis = axisSeed % shape.length;
      const granularity: Granularity =
        kind === 'tensor' ? { kind } : kind === 'axis' ? { kind, axis } : { kind, axis, size: groupSize };
      const scalesShape =
        granularity.kind === 'tensor'
          ? []
          : granularity.kind === 'axis'
            ? [shape[axis]!]
            : shape.map((dimension, index) => (index === axis ? Math.ceil(dimension / groupSize) : dimension));
      const scaleCount = scalesShape.reduce((product, dimension) => product * dimension, 1);
      const size = shape.reduce((product, dimension) => product * dimension, 1);
      // A small deterministic generator from the case's seed: values in [-1, 1).
      let state = seed >>> 0 || 1;
      const next = (): number => {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        return state / 2 ** 31 - 1;
      };
      const signed = form === 'symmetric' && bits > 1;
      const [qmin, qmax] = signed ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
      const codes = Array.from({ length: size }, () => qmin + Math.floor(((next() + 1) / 2) * (qmax - qmin + 1)));
      const { tensor: scalesTensor, values: scales } = realTensor(scaleDType, scalesShape, Array.from({ length: scaleCount }, next));
      let zeroPoints: number[] | undefined;
      let offsets: number[] | undefined;
      const extra: Partial<AffineEncoding> = {};
      if (form === 'zeroPoints') {
        zeroPoints = Array.from({ length: scaleCount }, () => qmin + Math.floor(((next() + 1) / 2) * (qmax - qmin + 1)));
        Object.assign(extra, { zeroPoints: hostTensor('int32', scalesShape, Int32Array.from(zeroPoints)) });
      } else if (form === 'offsets') {
        const { tensor, values } = realTensor(scaleDType, scalesShape, Array.from({ length: scaleCount }, next));
        offsets = values;
        Object.assign(extra, { offsets: tensor });
      }
      const encoding: AffineEncoding = {
        kind: 'affine',
        shape,
        bits,
        signed,
        granularity,
        codes: packCodes(codes, bits),
        scales: scalesTensor,
        ...extra,
      };
      return { encoding, codes, scales, zeroPoints, offsets };
    });
}
