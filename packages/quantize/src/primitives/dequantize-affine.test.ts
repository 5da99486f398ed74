import { affineFromCodes, decode, hostTensor } from '@whittle/core';
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
    expect(dequantizeAffine(withOffsets)).toEqual(decode(withOffsets));
    expect(Array.from(dequantizeAffine(withOffsets).data)).toEqual([-1, Math.fround(24.5)]);
  });

  it('rejects what is not a well-formed affine encoding', () => {
    expect(() => dequantizeAffine({ kind: 'codebook' } as never)).toThrow(expect.objectContaining({ code: 'invalid-encoding', field: 'kind' }));
    expect(() => dequantizeAffine(null as never)).toThrow(expect.objectContaining({ code: 'invalid-encoding' }));
    expect(() => dequantizeAffine({ kind: 'affine', shape: [2], bits: 8, signed: true, granularity: { kind: 'tensor' }, codes: new Uint8Array(1) } as never)).toThrow(
      expect.objectContaining({ code: 'invalid-encoding' }),
    );
  });
});
