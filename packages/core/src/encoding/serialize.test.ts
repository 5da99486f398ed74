import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { WhittleError } from '../errors.ts';
import { encodingArbitrary } from '../testing/arbitraries.ts';
import { tensorBits } from '../testing/bits.ts';
import { affineFromCodes } from './affine.ts';
import { byteLength } from './byte-length.ts';
import { decode } from './decode.ts';
import { denseEncoding } from './dense.ts';
import { assembleEncoding, encodingParts } from './serialize.ts';
import { sparseFromDense } from './sparse-from-dense.ts';

/** Copies bytes to an odd offset of a bigger buffer, as a slice of a weight shard would sit. */
function atOddOffset(bytes: Uint8Array): Uint8Array {
  const shard = new Uint8Array(bytes.length + 3);
  shard.set(bytes, 1);
  return shard.subarray(1, 1 + bytes.length);
}

describe('encodingParts / assembleEncoding', () => {
  test('buffers sum to byteLength, metadata survives JSON, and assembly decodes bit-exactly', () => {
    fc.assert(
      fc.property(encodingArbitrary({ maxDepth: 3 }), fc.boolean(), (encoding, asRecord) => {
        const { metadata, buffers } = encodingParts(encoding);
        expect(buffers.reduce((total, buffer) => total + buffer.bytes.length, 0)).toBe(byteLength(encoding));
        expect(new Set(buffers.map((buffer) => buffer.name)).size).toBe(buffers.length);
        const json = JSON.parse(JSON.stringify(metadata)) as unknown;
        expect(json).toEqual(metadata);
        const entries = buffers.map((buffer) => [buffer.name, atOddOffset(buffer.bytes)] as const);
        const named = asRecord ? Object.fromEntries(entries) : new Map(entries);
        const assembled = assembleEncoding(json, named);
        expect(byteLength(assembled)).toBe(byteLength(encoding));
        expect(tensorBits(decode(assembled))).toEqual(tensorBits(decode(encoding)));
      }),
      { numRuns: 300 }
    );
  });

  test('names buffers by field path and describes each component tensor', () => {
    const values = affineFromCodes({
      shape: [2],
      bits: 4,
      signed: true,
      granularity: { kind: 'tensor' },
      codes: [-3, 5],
      scales: { dtype: 'float16', shape: [], data: new Uint16Array([0x3c00]) },
    });
    const encoding = sparseFromDense(
      { dtype: 'float32', shape: [2, 3], data: new Float32Array([0, 0, -3, 5, 0, 0]) },
      { kind: 'csr', indexBits: 2 },
      () => values
    );
    const { metadata, buffers } = encodingParts(encoding);
    expect(buffers.map(({ name, dtype, shape }) => ({ name, dtype, shape }))).toEqual([
      { name: 'layout.gaps', dtype: 'uint8', shape: [1] },
      { name: 'layout.rowPointers', dtype: 'int32', shape: [3] },
      { name: 'values.codes', dtype: 'uint8', shape: [1] },
      { name: 'values.scales', dtype: 'float16', shape: [] },
    ]);
    expect(metadata).toMatchObject({
      kind: 'sparse',
      layout: { kind: 'csr', indexBits: 2, rowPointers: { buffer: 'layout.rowPointers', dtype: 'int32', shape: [3] } },
      values: { kind: 'affine', bits: 4, codes: { buffer: 'values.codes' }, scales: { buffer: 'values.scales' } },
    });
    // Little-endian: row pointers [0, 1, 2] as int32.
    expect(Array.from(buffers[1]!.bytes)).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0]);
  });

  test('reports a missing buffer, a wrong length and an unknown kind by field', () => {
    const encoding = denseEncoding({ dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) });
    const { metadata, buffers } = encodingParts(encoding);
    const bytes = buffers[0]!.bytes;
    expect(() => assembleEncoding(metadata, {})).toThrow(
      expect.objectContaining({ code: 'invalid-encoding', field: 'tensor.buffer' })
    );
    expect(() => assembleEncoding(metadata, { tensor: bytes.subarray(1) })).toThrow(
      expect.objectContaining({ field: 'tensor.buffer', message: expect.stringContaining('7 bytes') })
    );
    expect(() => assembleEncoding({ ...metadata, kind: 'fancy' }, { tensor: bytes })).toThrow(
      expect.objectContaining({ field: 'kind' })
    );
    expect(() => assembleEncoding(metadata, { tensor: Array.from(bytes) as unknown as Uint8Array })).toThrow(
      WhittleError
    );
    // Names are looked up as own properties only.
    const inherited = { kind: 'dense', shape: [2], tensor: { buffer: 'toString', dtype: 'float32', shape: [2] } };
    expect(() => assembleEncoding(inherited, {})).toThrow(expect.objectContaining({ field: 'tensor.buffer' }));
  });

  test('rejects buffers that are not a map or record', () => {
    expect(() => assembleEncoding({ kind: 'dense' }, null as unknown as Record<string, Uint8Array>)).toThrow(
      expect.objectContaining({ code: 'invalid-argument', field: 'buffers' })
    );
  });

  test('copies bytes, so the assembled encoding does not alias the shard', () => {
    const shard = new Uint8Array([0, 0, 128, 63, 0, 0, 0, 64, 9]);
    const metadata = { kind: 'dense', shape: [2], tensor: { buffer: 'tensor', dtype: 'float32', shape: [2] } };
    const assembled = assembleEncoding(metadata, { tensor: shard.subarray(0, 8) });
    shard.fill(0);
    expect(Array.from(decode(assembled).data)).toEqual([1, 2]);
  });
});
