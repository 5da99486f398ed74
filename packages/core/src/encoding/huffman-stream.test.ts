import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isWhittleError } from '../errors.ts';
import { huffmanDecodeSymbols, huffmanEncodeSymbols } from './huffman-stream.ts';

/**
 * The reference decoder, written plainly from the format's definition: unpack the 4-bit lengths,
 * give codes in canonical order (by length, then symbol, each the previous plus one, shifted
 * left when the length grows) as strings of '0'/'1', then read the data one bit at a time, most
 * significant bit first, until the bits read so far are a code.
 */
function referenceDecode(lengthsTable: Uint8Array, data: Uint8Array, count: number): number[] {
  const lengths: number[] = [];
  for (const byte of lengthsTable) lengths.push(byte & 15, byte >> 4);
  const order = lengths
    .map((length, symbol) => ({ length, symbol }))
    .filter(({ length }) => length > 0)
    .sort((left, right) => left.length - right.length || left.symbol - right.symbol);
  const codes = new Map<string, number>();
  let code = 0;
  let previousLength = order[0]?.length ?? 0;
  for (const [index, { length, symbol }] of order.entries()) {
    if (index > 0) code = (code + 1) * 2 ** (length - previousLength);
    previousLength = length;
    codes.set(code.toString(2).padStart(length, '0'), symbol);
  }
  const bits: string[] = [];
  for (const byte of data) bits.push(...byte.toString(2).padStart(8, '0'));
  const symbols: number[] = [];
  let current = '';
  for (const bit of bits) {
    if (symbols.length === count) break;
    current += bit;
    if (codes.has(current)) {
      symbols.push(codes.get(current)!);
      current = '';
    }
  }
  return symbols;
}

function entropyBits(symbols: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const symbol of symbols) counts.set(symbol, (counts.get(symbol) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) bits -= count * Math.log2(count / symbols.length);
  return bits;
}

/** Symbols with a skewed (geometric-like) distribution over an alphabet of 2^bits. */
const skewedSymbols = (bits: number, maxLength = 400) =>
  fc.array(
    fc.integer({ min: 0, max: 2 ** bits - 1 }).chain((cap) => fc.integer({ min: 0, max: cap })),
    { maxLength },
  );

const location = { field: 'streams[0]' };

describe('Huffman streams', () => {
  test('the plain bit-by-bit reference decodes what the encoder wrote; the fast decoder agrees', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 2, 3, 4, 5, 6, 7, 8, 16).chain((bits) => fc.tuple(fc.constant(bits), skewedSymbols(bits))),
        ([bits, symbols]) => {
        const coded = huffmanEncodeSymbols(symbols, 2 ** bits);
        expect(referenceDecode(coded.lengths, coded.data, symbols.length)).toEqual(symbols);
        expect([...huffmanDecodeSymbols(coded, symbols.length, 2 ** bits, location)]).toEqual(symbols);
        },
      ),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.constantFrom(1, 3, 5, 8, 16), skewedSymbols(16), (bits, raw) => {
        const symbols = raw.map((symbol) => symbol % 2 ** bits);
        const coded = huffmanEncodeSymbols(symbols, 2 ** bits);
        expect(referenceDecode(coded.lengths, coded.data, symbols.length)).toEqual(symbols);
        expect([...huffmanDecodeSymbols(coded, symbols.length, 2 ** bits, location)]).toEqual(symbols);
      }),
      { numRuns: 200 },
    );
  });

  test('codes longer than the look-up table decode through the canonical search', () => {
    // Fibonacci frequencies: codes up to the 15-bit limit.
    const symbols: number[] = [];
    let previous = 1;
    let current = 1;
    for (let symbol = 0; symbol < 24; symbol++) {
      for (let repeat = 0; repeat < previous; repeat++) symbols.push(symbol);
      [previous, current] = [current, previous + current];
    }
    // Shuffled deterministically so long and short codes interleave.
    const mixed = symbols.map((symbol, index) => ({ symbol, key: (index * 7919) % symbols.length })).sort((a, b) => a.key - b.key).map(({ symbol }) => symbol);
    const coded = huffmanEncodeSymbols(mixed, 32);
    const lengths = [...coded.lengths].flatMap((byte) => [byte & 15, byte >> 4]);
    expect(Math.max(...lengths)).toBe(15);
    expect(referenceDecode(coded.lengths, coded.data, mixed.length)).toEqual(mixed);
    expect([...huffmanDecodeSymbols(coded, mixed.length, 32, location)]).toEqual(mixed);
  });

  test('the coded bits lie within the Huffman bound: entropy ≤ bits < entropy + 1 bit per symbol (plus the last byte)', () => {
    fc.assert(
      fc.property(skewedSymbols(5, 2000), (symbols) => {
        const { data } = huffmanEncodeSymbols(symbols, 32);
        const entropy = entropyBits(symbols);
        // At most 32 symbols: no code reaches the 15-bit limit, so the bound holds exactly.
        expect(data.length * 8).toBeGreaterThanOrEqual(entropy - 1e-9);
        expect(data.length * 8).toBeLessThan(entropy + symbols.length + 8);
      }),
      { numRuns: 200 },
    );
  });

  test('a lone symbol costs one bit each; an empty stream nothing', () => {
    const coded = huffmanEncodeSymbols([3, 3, 3, 3, 3, 3, 3, 3, 3], 4);
    expect([...coded.lengths]).toEqual([0, 0x10]);
    expect([...coded.data]).toEqual([0, 0]);
    expect([...huffmanDecodeSymbols(coded, 9, 4, location)]).toEqual(Array(9).fill(3));
    const empty = huffmanEncodeSymbols([], 4);
    expect(empty.data.length + empty.lengths.length).toBe(0);
    expect(huffmanDecodeSymbols(empty, 0, 4, location).length).toBe(0);
  });
});

describe('hostile Huffman streams', () => {
  const symbols = Array.from({ length: 500 }, (_, index) => (index * index) % 23 % 9);
  const valid = huffmanEncodeSymbols(symbols, 16);
  const decode = (coded: { lengths: Uint8Array; data: Uint8Array }, count = symbols.length, alphabet = 16) =>
    huffmanDecodeSymbols(coded, count, alphabet, location);
  const refusal = (field: string, message: string | RegExp) =>
    expect.objectContaining({ code: 'invalid-encoding', field, message: expect.stringMatching(message) });

  test('truncated data, trailing garbage and set padding bits name the data', () => {
    expect(() => decode({ ...valid, data: valid.data.subarray(0, valid.data.length - 3) })).toThrow(refusal('streams[0].data', /runs out/));
    expect(() => decode({ ...valid, data: Uint8Array.of(...valid.data, 0) })).toThrow(refusal('streams[0].data', /1 trailing bytes/));
    const padded = huffmanEncodeSymbols([0, 1, 2], 4);
    const last = padded.data.length - 1;
    const withPadding = Uint8Array.from(padded.data, (byte, index) => (index === last ? byte | 1 : byte));
    expect(() => huffmanDecodeSymbols({ ...padded, data: withPadding }, 3, 4, location)).toThrow(refusal('streams[0].data', /padding bits/));
  });

  test('counts that lie are refused before anything is allocated', () => {
    expect(() => decode(valid, 2 ** 52)).toThrow(refusal('streams[0].count', /do not fit/));
    expect(() => decode(valid, symbols.length + 40)).toThrow(expect.objectContaining({ code: 'invalid-encoding', field: expect.stringMatching(/streams\[0\]\.(count|data)/) }));
    expect(() => decode({ lengths: new Uint8Array(0), data: new Uint8Array(0) }, 1)).toThrow(refusal('streams[0].lengths', /has none/));
    expect(() => decode({ lengths: new Uint8Array(0), data: new Uint8Array(1) }, 0)).toThrow(refusal('streams[0].data', /after the last of 0/));
  });

  test('bits that match no code, and tables that are not prefix codes, are refused', () => {
    // A lone symbol's code is 0; a 1 bit matches nothing.
    expect(() => huffmanDecodeSymbols({ lengths: Uint8Array.of(0x01), data: Uint8Array.of(0b0100_0000) }, 2, 2, location)).toThrow(
      refusal('streams[0].data', /symbol 1: the bits match no code/),
    );
    expect(() => decode({ ...valid, lengths: Uint8Array.of(0x11, 0x11) })).toThrow(refusal('streams[0].lengths', /over-subscribed/));
    expect(() => decode({ ...valid, lengths: Uint8Array.of(0x22, 0x02) })).toThrow(refusal('streams[0].lengths', /under-subscribed/));
    expect(() => decode({ ...valid, lengths: new Uint8Array(9) }, 0, 16)).toThrow(refusal('streams[0].lengths', /cover more/));
  });

  test('fuzz: random tables, data and counts, and mutated valid streams, give symbols or a typed error', () => {
    const check = (coded: { lengths: Uint8Array; data: Uint8Array }, count: number, alphabet: number) => {
      try {
        const decoded = huffmanDecodeSymbols(coded, count, alphabet, location);
        expect(decoded.length).toBe(count);
        for (const symbol of decoded) expect(symbol).toBeLessThan(alphabet);
      } catch (error) {
        expect(isWhittleError(error)).toBe(true);
        expect(String((error as Error).message)).not.toContain('\n');
      }
    };
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 20 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.oneof(fc.nat({ max: 600 }), fc.constantFrom(2 ** 31, 2 ** 53 - 1)),
        fc.constantFrom(2, 16, 256, 65536),
        (lengths, data, count, alphabet) => check({ lengths, data }, count, alphabet),
      ),
      { numRuns: 800 },
    );
    fc.assert(
      fc.property(fc.nat(), fc.nat({ max: 255 }), fc.boolean(), fc.integer({ min: -2, max: 2 }), (position, byte, inLengths, countShift) => {
        const target = inLengths ? valid.lengths.slice() : valid.data.slice();
        target[position % target.length] = byte;
        const coded = inLengths ? { lengths: target, data: valid.data } : { lengths: valid.lengths, data: target };
        check(coded, symbols.length + countShift, 16);
      }),
      { numRuns: 800 },
    );
  });
});
