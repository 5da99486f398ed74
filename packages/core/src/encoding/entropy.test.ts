import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isWhittleError } from '../errors.ts';
import { encodingArbitrary } from '../testing/arbitraries.ts';
import { tensorBits } from '../testing/bits.ts';
import { mutationArbitrary } from '../testing/malformed.ts';
import { unpackBits } from './bit-pack.ts';
import { byteLength } from './byte-length.ts';
import { codebookFromIndices } from './codebook.ts';
import { decode } from './decode.ts';
import { denseEncoding } from './dense.ts';
import { entropyInner } from './entropy-inner.ts';
import { huffmanEncoding, huffmanWhereSmaller, huffmanWhereSmallerByteLength } from './entropy.ts';
import { assembleEncoding, encodingParts } from './serialize.ts';
import { sparseFromDense } from './sparse-from-dense.ts';
import { symbolStreams } from './symbol-streams.ts';
import type { Encoding, EntropyEncoding } from './types.ts';
import { validateEncoding } from './validate.ts';

/** Metadata through JSON and buffers by name, as a file carries them. */
function throughFile(encoding: Encoding): Encoding {
  const { metadata, buffers } = encodingParts(encoding);
  return assembleEncoding(JSON.parse(JSON.stringify(metadata)), new Map(buffers.map((buffer) => [buffer.name, buffer.bytes.slice()])));
}

/** A deterministic Gaussian-ish weight (sum of uniforms from a linear congruential generator). */
function weights(count: number, seed: number): Float32Array {
  let state = seed;
  const uniform = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Float32Array.from({ length: count }, () => uniform() + uniform() + uniform() + uniform() - 2);
}

/**
 * Deep Compression's first two stages, written plainly: keep the largest 10 % by magnitude in
 * relative-index CSR with 5-bit gaps, then share the kept weights among 32 linearly spaced
 * centroids (nearest one wins).
 */
function prunedAndShared(rows: number, columns: number): Encoding {
  const values = weights(rows * columns, 7);
  const threshold = Float32Array.from(values, Math.abs).sort()[Math.floor(values.length * 0.9)]!;
  const pruned = values.map((value) => (Math.abs(value) >= threshold ? value : 0));
  return sparseFromDense({ dtype: 'float32', shape: [rows, columns], data: pruned }, { kind: 'csr', indexBits: 5 }, (kept) => {
    const largest = kept.data.reduce((most, value) => Math.max(most, Math.abs(value)), 0);
    const centroids = Float32Array.from({ length: 32 }, (_, index) => -largest + (2 * largest * index) / 31);
    const indices = Array.from(kept.data, (value) => Math.round(((value + largest) / (2 * largest)) * 31));
    return codebookFromIndices({ shape: kept.shape, centroids: { dtype: 'float32', shape: [32], data: centroids }, indices });
  });
}

function entropyBits(symbols: ArrayLike<number>): number {
  const counts = new Map<number, number>();
  for (let index = 0; index < symbols.length; index++) counts.set(symbols[index]!, (counts.get(symbols[index]!) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) bits -= count * Math.log2(count / symbols.length);
  return bits;
}

describe('entropy encodings', () => {
  test('decode to exactly the inner encoding’s values, directly and through a file; restore its buffers', () => {
    fc.assert(
      fc.property(encodingArbitrary({ kinds: ['entropy'], maxDepth: 2 }), (encoding) => {
        const coded = encoding as EntropyEncoding;
        const inner = entropyInner(coded);
        expect(validateEncoding(inner)).toBe(inner);
        expect(tensorBits(decode(coded))).toEqual(tensorBits(decode(inner)));
        expect(tensorBits(decode(throughFile(coded)))).toEqual(tensorBits(decode(inner)));
        // The restored buffers are the ones that were coded, byte for byte.
        expect(encodingParts(huffmanEncoding(inner, { fields: coded.streams.map((stream) => stream.field) })).buffers.map((buffer) => [...buffer.bytes])).toEqual(
          encodingParts(coded).buffers.map((buffer) => [...buffer.bytes]),
        );
        // Every byte counted: the inner encoding's remaining buffers, each table and each bit stream.
        const streamBytes = coded.streams.reduce((total, stream) => total + stream.lengths.length + stream.data.length, 0);
        expect(byteLength(coded)).toBe(byteLength(coded.inner) + streamBytes);
        expect(byteLength(coded)).toBe(encodingParts(coded).buffers.reduce((total, buffer) => total + buffer.bytes.length, 0));
      }),
      { numRuns: 150 },
    );
  });

  test('coding only where smaller never grows a param, and its byte count is known without coding', () => {
    fc.assert(
      fc.property(encodingArbitrary({ maxDepth: 2 }), (encoding) => {
        const smaller = huffmanWhereSmaller(encoding);
        expect(byteLength(smaller)).toBeLessThanOrEqual(byteLength(encoding));
        expect(huffmanWhereSmallerByteLength(encoding, byteLength(encoding))).toBe(byteLength(smaller));
        expect(tensorBits(decode(smaller))).toEqual(tensorBits(decode(encoding)));
        if (smaller !== encoding) expect(smaller.kind).toBe('entropy');
      }),
      { numRuns: 150 },
    );
  });

  test('a pruned, 5-bit shared 784 × 300 kernel: each stream within the Huffman bound of its entropy', () => {
    const shared = prunedAndShared(784, 300);
    const coded = huffmanWhereSmaller(shared) as EntropyEncoding;
    expect(coded.kind).toBe('entropy');
    expect(coded.streams.map((stream) => stream.field).sort()).toEqual(['layout.gaps', 'values.indices']);
    for (const stream of symbolStreams(shared)) {
      const codedStream = coded.streams.find((candidate) => candidate.field === stream.field)!;
      const symbols = unpackBits(stream.packed, stream.count, stream.symbolBits);
      const bound = entropyBits(symbols);
      expect(codedStream.data.length * 8).toBeGreaterThanOrEqual(bound);
      expect(codedStream.data.length * 8).toBeLessThan(bound + stream.count + 8);
      expect(codedStream.lengths.length).toBeLessThanOrEqual(16);
    }
    expect(byteLength(coded)).toBeLessThan(byteLength(shared));
    expect(tensorBits(decode(throughFile(coded)))).toEqual(tensorBits(decode(shared)));
  });

  test('building refuses encodings without streams and fields that are not streams, with typed errors', () => {
    const dense = denseEncoding({ dtype: 'float32', shape: [2], data: new Float32Array(2) });
    expect(() => huffmanEncoding(dense)).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'inner' }));
    expect(huffmanWhereSmaller(dense)).toBe(dense);
    const codebook = codebookFromIndices({ shape: [4], centroids: { dtype: 'float32', shape: [2], data: Float32Array.of(-1, 1) }, indices: [0, 1, 1, 0] });
    expect(() => huffmanEncoding(codebook, { fields: ['codes'] })).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'fields[0]' }));
  });
});

describe('hostile entropy encodings', () => {
  const shared = prunedAndShared(40, 30);
  const coded = huffmanEncoding(shared);
  const { metadata, buffers } = encodingParts(coded);
  const bytes = new Map(buffers.map((buffer) => [buffer.name, buffer.bytes]));
  const json = JSON.parse(JSON.stringify(metadata)) as Record<string, unknown> & { streams: Record<string, unknown>[] };
  const withStream = (index: number, fields: Record<string, unknown>) => ({ ...json, streams: json.streams.map((stream, at) => (at === index ? { ...stream, ...fields } : stream)) });
  const refused = (field: string, message?: RegExp) =>
    expect.objectContaining({ code: 'invalid-encoding', field, ...(message === undefined ? {} : { message: expect.stringMatching(message) }) });

  test('the valid one loads', () => {
    expect(tensorBits(decode(assembleEncoding(json, bytes)))).toEqual(tensorBits(decode(shared)));
  });

  test('symbol counts that lie name the count, even when the packed length would agree', () => {
    const gaps = json.streams.findIndex((stream) => stream.field === 'layout.gaps');
    const count = json.streams[gaps]!.count as number;
    // A 5-bit stream of count + 1 symbols may pack to the same bytes: only the check against the layout catches it.
    for (const lie of [count - 1, count + 1, 2 ** 40]) {
      expect(() => assembleEncoding(withStream(gaps, { count: lie }), bytes)).toThrow(
        expect.objectContaining({ code: 'invalid-encoding', field: expect.stringMatching(/streams\[\d\]\.(count|data)|inner\.layout\.gaps/) }),
      );
    }
    expect(() => assembleEncoding(withStream(gaps, { count: 2 ** 40 }), bytes)).toThrow(refused(`streams[${gaps}].count`, /do not fit/));
    expect(() => assembleEncoding(withStream(gaps, { count: -1 }), bytes)).toThrow(refused(`streams[${gaps}].count`));
    expect(() => assembleEncoding(withStream(gaps, { symbolBits: 6 }), bytes)).toThrow(expect.objectContaining({ code: 'invalid-encoding' }));
  });

  test('truncated, padded and garbage-trailed bit streams name the data', () => {
    const name = 'streams[0].data';
    const data = bytes.get(name)!;
    const truncated = new Map(bytes).set(name, data.subarray(0, data.length - 1));
    const resized = withStream(0, { data: { buffer: name, dtype: 'uint8', shape: [data.length - 1] } });
    expect(() => assembleEncoding(resized, truncated)).toThrow(refused('streams[0].data', /runs out|match no code|do not fit/));
    const longer = new Map(bytes).set(name, Uint8Array.of(...data, 0x55));
    expect(() => assembleEncoding(withStream(0, { data: { buffer: name, dtype: 'uint8', shape: [data.length + 1] } }), longer)).toThrow(
      refused('streams[0].data', /trailing/),
    );
    // The buffer reference itself must agree with the bytes present.
    expect(() => assembleEncoding(json, truncated)).toThrow(refused('streams[0].data.buffer'));
  });

  test('tables that are not prefix codes, placeholders that hold data, and unknown fields are refused', () => {
    const name = 'streams[0].lengths';
    const table = bytes.get(name)!;
    const over = new Map(bytes).set(name, new Uint8Array(table.length).fill(0x11));
    expect(() => assembleEncoding(json, over)).toThrow(refused('streams[0].lengths', /over-subscribed/));
    const under = new Map(bytes).set(name, Uint8Array.from(table, (_, index) => (index === 0 ? 0x0f : 0)));
    expect(() => assembleEncoding(json, under)).toThrow(refused('streams[0].lengths', /under-subscribed/));
    const raw = { ...coded, inner: { ...coded.inner, layout: { ...(coded.inner as { layout: object }).layout, gaps: new Uint8Array(3) } } };
    expect(() => validateEncoding(raw)).toThrow(refused('inner.layout.gaps', /left empty/));
    expect(() => validateEncoding({ ...coded, streams: [{ ...coded.streams[0], field: '__proto__' }] })).toThrow(refused('streams[0].field'));
    expect(() => validateEncoding({ ...coded, streams: [coded.streams[0], coded.streams[0]] })).toThrow(refused('streams[1].field', /twice/));
    expect(() => validateEncoding({ ...coded, streams: [] })).toThrow(refused('streams'));
    expect(() => validateEncoding({ ...coded, coding: 'rans' })).toThrow(refused('coding'));
    // A field that the inner encoding has, but that is not one of its symbol streams' widths.
    const codebook = codebookFromIndices({ shape: [8], centroids: { dtype: 'float32', shape: [3], data: Float32Array.of(-1, 0, 1) }, indices: [0, 1, 2, 1, 1, 1, 0, 2] });
    const wide = huffmanEncoding(codebook);
    expect(() => validateEncoding({ ...wide, streams: [{ ...wide.streams[0]!, symbolBits: 1 }] })).toThrow(expect.objectContaining({ code: 'invalid-encoding' }));
  });

  test('fuzz: mutated metadata, and random bytes in every buffer, load or fail with a typed one-line error', () => {
    const attempt = (load: () => Encoding) => {
      try {
        decode(load());
      } catch (error) {
        expect(isWhittleError(error)).toBe(true);
        expect((error as Error).message).not.toContain('\n');
        expect((error as Error).message.length).toBeLessThan(400);
      }
    };
    fc.assert(fc.property(mutationArbitrary(json), (mutated) => attempt(() => assembleEncoding(mutated, bytes))), { numRuns: 600 });
    const names = buffers.map((buffer) => buffer.name);
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.uint8Array({ maxLength: 64 }), (name, random) => {
        const replaced = new Map(bytes).set(name, random);
        const reference = { buffer: name, dtype: 'uint8', shape: [random.length] };
        const patched = JSON.parse(JSON.stringify(json), (_key, value) => (value?.buffer === name && value.dtype === 'uint8' ? reference : value));
        attempt(() => assembleEncoding(patched, replaced));
      }),
      { numRuns: 600 },
    );
  });
});
