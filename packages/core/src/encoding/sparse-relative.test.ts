import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { WhittleError } from '../errors.ts';
import { tensorBits } from '../testing/bits.ts';
import { byteLength } from './byte-length.ts';
import { decode } from './decode.ts';
import { denseEncoding } from './dense.ts';
import { describeEncoding } from '../model/describe-encoding.ts';
import { huffmanEncoding } from './entropy.ts';
import { assembleEncoding, encodingParts } from './serialize.ts';
import { sparseFromDense } from './sparse-from-dense.ts';
import { sparseEncoding } from './sparse.ts';
import type { SparseEncoding } from './types.ts';
import { validateEncoding } from './validate.ts';

type RelativeLayout = Extract<SparseEncoding['layout'], { kind: 'relative' }>;

const floats = (data: readonly number[]) => denseEncoding({ dtype: 'float32', shape: [data.length], data: Float32Array.from(data) });

/** Bit `bit` of a byte array, LSB-first, read one bit at a time (no shared unpacking code). */
const bitAt = (bytes: Uint8Array, bit: number): number => (bytes[bit >> 3]! >> (bit & 7)) & 1;

/** The reference decoder: walks the gaps by hand over the flattened tensor, starting at -1. */
function referenceDecode(size: number, layout: RelativeLayout, values: Float32Array): Float32Array {
  const dense = new Float32Array(size);
  let position = -1;
  for (let entry = 0; entry < layout.count; entry++) {
    let gap = 0;
    for (let bit = 0; bit < layout.indexBits; bit++) gap |= bitAt(layout.gaps, entry * layout.indexBits + bit) << bit;
    position += gap + 1;
    dense[position] = values[entry]!;
  }
  return dense;
}

/** Entries a flattened tensor needs: one per stored element, plus a filler per full span of zeros before it. */
function expectedCount(data: Float32Array, indexBits: number): number {
  let count = 0;
  let previous = -1;
  data.forEach((value, index) => {
    if (Object.is(value, 0)) return;
    count += Math.floor((index - previous - 1) / 2 ** indexBits) + 1;
    previous = index;
  });
  return count;
}

/** Random float32 tensors with long zero runs: a density per tensor, all-zero and all-nonzero included. */
const sparseTensor = fc
  .record({
    shape: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 0, maxLength: 3 }),
    density: fc.constantFrom(0, 0.01, 0.1, 0.5, 1),
    seed: fc.integer(),
  })
  .map(({ shape, density, seed }) => {
    const size = shape.reduce((product, dimension) => product * dimension, 1);
    let state = seed >>> 0;
    const next = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const data = new Float32Array(size);
    for (let index = 0; index < size; index++) if (next() < density) data[index] = next() < 0.05 ? -0 : next() * 2 - 1 || 0.5;
    return { dtype: 'float32' as const, shape, data };
  });

describe('relative sparse layout', () => {
  test('decodes a hand-built layout with fillers to the dense tensor it stands for', () => {
    // [2, 4]: elements 1 and 7 stored; 2-bit gaps: 1 (skip element 0), then 5 zeros = filler 3 + gap 1.
    const encoding = sparseEncoding({
      shape: [2, 4],
      layout: { kind: 'relative', indexBits: 2, count: 3, gaps: new Uint8Array([0b01_11_01]) },
      values: floats([1.5, 0, -2]),
    });
    expect(Array.from(decode(encoding).data)).toEqual([0, 1.5, 0, 0, 0, 0, 0, -2]);
    expect(byteLength(encoding)).toBe(1 + 12);
  });

  test('sparseFromDense round-trips bit-exactly; decoding matches a hand walk of the gaps', () => {
    fc.assert(
      fc.property(sparseTensor, fc.constantFrom(1, 2, 3, 4, 5, 8, 16), (tensor, indexBits) => {
        const encoding = sparseFromDense(tensor, { kind: 'relative', indexBits });
        const layout = encoding.layout as RelativeLayout;
        expect(layout.count).toBe(expectedCount(tensor.data, indexBits));
        expect(layout.gaps.length).toBe(Math.ceil((layout.count * indexBits) / 8));
        const values = decode(encoding.values).data as Float32Array;
        expect(tensorBits({ ...tensor, data: referenceDecode(tensor.data.length, layout, values) })).toEqual(tensorBits(tensor));
        expect(tensorBits(decode(encoding))).toEqual(tensorBits(tensor));
        expect(byteLength(encoding)).toBe(layout.gaps.length + 4 * layout.count);
      }),
      { numRuns: 400 }
    );
  });

  test('bridges long zero runs with zero-valued fillers, and stores nothing for an all-zero tensor', () => {
    const data = new Float32Array(40);
    data[39] = 7;
    const encoding = sparseFromDense({ dtype: 'float32', shape: [4, 10], data }, { kind: 'relative', indexBits: 2 });
    // 39 zeros before the value: 9 fillers of gap 3 (4 elements each) then gap 3.
    expect(encoding.layout).toMatchObject({ kind: 'relative', count: 10 });
    expect(Array.from(decode(encoding.values).data)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 7]);
    const empty = sparseFromDense({ dtype: 'float32', shape: [3, 0], data: new Float32Array(0) }, { kind: 'relative', indexBits: 4 });
    expect(empty.layout).toMatchObject({ count: 0, gaps: new Uint8Array(0) });
    const zeros = sparseFromDense({ dtype: 'float32', shape: [1000], data: new Float32Array(1000) }, { kind: 'relative', indexBits: 1 });
    expect(byteLength(zeros)).toBe(0);
  });

  test('is smaller than CSR by exactly the row pointers when no row needs a filler of its own', () => {
    const data = new Float32Array(30 * 8);
    for (let index = 0; index < data.length; index += 3) data[index] = index;
    const tensor = { dtype: 'float32', shape: [30, 8], data } as const;
    const csr = byteLength(sparseFromDense(tensor, { kind: 'csr', indexBits: 3 }));
    const relative = byteLength(sparseFromDense(tensor, { kind: 'relative', indexBits: 3 }));
    // Gaps stay ≤ 2 either way; CSR's first gap of a row is shorter, never longer, so counts match.
    expect(csr - relative).toBe(31 * 4);
  });

  test('decodes into a caller’s destination', () => {
    const tensor = { dtype: 'float32', shape: [3, 5], data: Float32Array.from({ length: 15 }, (_, index) => (index % 4 === 0 ? index : 0)) } as const;
    const encoding = sparseFromDense(tensor, { kind: 'relative', indexBits: 2 });
    const destination = new Float32Array(15).fill(9);
    const decoded = decode(encoding, destination);
    expect(decoded.data).toBe(destination);
    expect(Array.from(destination)).toEqual(Array.from(tensor.data));
    expect(() => decode(encoding, new Float32Array(14))).toThrow(expect.objectContaining({ field: 'destination' }));
  });

  test('serializes, entropy-codes its gaps and describes itself', () => {
    const data = Float32Array.from({ length: 600 }, (_, index) => (index % 11 === 0 || index % 17 === 0 ? Math.sin(index) : 0));
    const encoding = sparseFromDense({ dtype: 'float32', shape: [20, 30], data }, { kind: 'relative', indexBits: 4 });
    const { metadata, buffers } = encodingParts(encoding);
    expect(metadata).toMatchObject({ kind: 'sparse', layout: { kind: 'relative', indexBits: 4, count: (encoding.layout as RelativeLayout).count, gaps: { buffer: 'layout.gaps' } } });
    expect(buffers.map((buffer) => buffer.name)).toEqual(['layout.gaps', 'values.tensor']);
    const assembled = assembleEncoding(JSON.parse(JSON.stringify(metadata)), new Map(buffers.map((buffer) => [buffer.name, buffer.bytes])));
    expect(tensorBits(decode(assembled))).toEqual(tensorBits({ dtype: 'float32', shape: [20, 30], data }));

    const coded = huffmanEncoding(encoding, { fields: ['layout.gaps'] });
    expect(coded.streams[0]).toMatchObject({ field: 'layout.gaps', symbolBits: 4, count: (encoding.layout as RelativeLayout).count });
    expect(coded.streams[0]!.data.length).toBeLessThan((encoding.layout as RelativeLayout).gaps.length);
    expect(tensorBits(decode(validateEncoding(coded)))).toEqual(tensorBits(decode(encoding)));
    expect(describeEncoding(encoding)).toBe('sparse relative 4-bit (dense float32)');
  });
});

describe('relative sparse layout from untrusted input', () => {
  const valid = { kind: 'relative', indexBits: 2, count: 3, gaps: new Uint8Array([0b01_11_01]) };
  const check = (layout: Record<string, unknown>, values = floats([1.5, 0, -2]), shape = [2, 4]) => () =>
    validateEncoding({ kind: 'sparse', shape, layout, values });

  test.each([
    ['a count above the element count', { count: 9, gaps: new Uint8Array(3) }, 'layout.count'],
    ['a huge count', { count: 2 ** 53 - 1 }, 'layout.count'],
    ['a negative count', { count: -1 }, 'layout.count'],
    ['a fractional count', { count: 1.5 }, 'layout.count'],
    ['a count given as text', { count: '3' }, 'layout.count'],
    ['no count', { count: undefined }, 'layout.count'],
    ['index bits 0', { indexBits: 0 }, 'layout.indexBits'],
    ['index bits 9', { indexBits: 9 }, 'layout.indexBits'],
    ['index bits 32', { indexBits: 32 }, 'layout.indexBits'],
    ['index bits NaN', { indexBits: Number.NaN }, 'layout.indexBits'],
    ['gaps one byte long', { gaps: new Uint8Array(2) }, 'layout.gaps'],
    ['gaps one byte short', { count: 5, gaps: new Uint8Array(1) }, 'layout.gaps'],
    ['gaps as a plain array', { gaps: [0b01_11_01] }, 'layout.gaps'],
    ['gaps as another typed array', { gaps: new Int8Array([0b01_11_01]) }, 'layout.gaps'],
    ['gaps running past the last element', { gaps: new Uint8Array([0b11_11_11]) }, 'layout.gaps'],
    ['fillers alone running past the end', { indexBits: 8, count: 1, gaps: new Uint8Array([8]) }, 'layout.gaps'],
  ])('rejects %s with a one-line error naming the field', (_, change, field) => {
    // Values of the claimed count where one could exist, so only the layout is at fault.
    const count = 'count' in change && Number.isInteger(change.count) && (change.count as number) >= 0 && (change.count as number) <= 8 ? (change.count as number) : 3;
    const run = check({ ...valid, ...change }, floats(Array.from({ length: count }, () => 1)));
    expect(run).toThrow(WhittleError);
    expect(run).toThrow(expect.objectContaining({ code: 'invalid-encoding', field }));
    try {
      run();
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
    }
  });

  test('rejects values whose length differs from the count', () => {
    expect(check(valid, floats([1, 2]))).toThrow(expect.objectContaining({ field: 'values.shape' }));
  });

  test('an entry on the last element is accepted; one past it is not', () => {
    expect(() => check({ kind: 'relative', indexBits: 8, count: 1, gaps: new Uint8Array([7]) }, floats([1]))()).not.toThrow();
    expect(check({ kind: 'relative', indexBits: 8, count: 1, gaps: new Uint8Array([8]) }, floats([1]))).toThrow(
      expect.objectContaining({ field: 'layout.gaps', message: expect.stringContaining('past the last element') })
    );
  });

  test('fuzz: any mutation of a valid layout is either valid and decodes, or a typed error', () => {
    const base = sparseFromDense(
      { dtype: 'float32', shape: [6, 7], data: Float32Array.from({ length: 42 }, (_, index) => (index % 5 === 0 ? index + 1 : 0)) },
      { kind: 'relative', indexBits: 3 }
    );
    const layout = base.layout as RelativeLayout;
    const hostile = fc.oneof(
      fc.integer({ min: -4, max: 2 ** 32 }),
      fc.double(),
      fc.constantFrom(undefined, null, '3', [], {}, Number.MAX_SAFE_INTEGER, 2 ** 53, -0)
    );
    fc.assert(
      fc.property(
        fc.record({
          indexBits: fc.oneof(fc.constant(layout.indexBits), hostile),
          count: fc.oneof(fc.constant(layout.count), fc.integer({ min: 0, max: 42 }), hostile),
          gaps: fc.oneof(fc.constant(layout.gaps), fc.uint8Array({ maxLength: 20 }), hostile),
          valuesLength: fc.oneof(fc.constant(layout.count), fc.integer({ min: 0, max: 50 })),
        }),
        ({ indexBits, count, gaps, valuesLength }) => {
          const values = floats(Array.from({ length: valuesLength }, (_, index) => index + 1));
          let encoding;
          try {
            encoding = validateEncoding({ kind: 'sparse', shape: [6, 7], layout: { kind: 'relative', indexBits, count, gaps }, values });
          } catch (error) {
            expect(error).toBeInstanceOf(WhittleError);
            expect((error as WhittleError).code).toBe('invalid-encoding');
            return;
          }
          const walked = referenceDecode(42, (encoding as SparseEncoding).layout as RelativeLayout, decode(values).data as Float32Array);
          expect(Array.from(decode(encoding).data)).toEqual(Array.from(walked));
        }
      ),
      { numRuns: 2000 }
    );
  });

  test('metadata with a lying count or gaps buffer is a typed error when assembled', () => {
    const tensor = { dtype: 'float32', shape: [4, 4], data: Float32Array.from({ length: 16 }, (_, index) => (index % 3 === 0 ? 1 : 0)) } as const;
    const { metadata, buffers } = encodingParts(sparseFromDense(tensor, { kind: 'relative', indexBits: 2 }));
    const named = new Map(buffers.map((buffer) => [buffer.name, buffer.bytes]));
    const lying = JSON.parse(JSON.stringify(metadata));
    lying.layout.count = 2 ** 40;
    expect(() => assembleEncoding(lying, named)).toThrow(expect.objectContaining({ code: 'invalid-encoding', field: 'layout.count' }));
    named.set('layout.gaps', new Uint8Array(1));
    expect(() => assembleEncoding(metadata, named)).toThrow(expect.objectContaining({ code: 'invalid-encoding' }));
  });
});
