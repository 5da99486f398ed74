import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MAX_HUFFMAN_CODE_LENGTH, canonicalCodes, huffmanCodeLengths, packCodeLengths, readCanonicalCode } from './huffman-code.ts';

/** Σ 2^-length over coded symbols, exactly (in units of 2^-15). */
function kraftUnits(lengths: ArrayLike<number>): number {
  let sum = 0;
  for (let symbol = 0; symbol < lengths.length; symbol++) if (lengths[symbol]! > 0) sum += 2 ** (15 - lengths[symbol]!);
  return sum;
}

/**
 * The optimal (unlimited) prefix-code cost Σ frequency × length, computed the textbook way: the
 * sum of every merged weight, merging the two smallest weights of a sorted list each time.
 */
function optimalCost(frequencies: readonly number[]): number {
  const weights = frequencies.filter((frequency) => frequency > 0);
  if (weights.length === 1) return weights[0]!;
  let cost = 0;
  while (weights.length > 1) {
    weights.sort((left, right) => left - right);
    const merged = weights.shift()! + weights.shift()!;
    cost += merged;
    weights.push(merged);
  }
  return cost;
}

const cost = (frequencies: readonly number[], lengths: Uint8Array): number =>
  frequencies.reduce((total, frequency, symbol) => total + frequency * lengths[symbol]!, 0);

describe('Huffman code lengths', () => {
  test('a small example, and a lone or absent symbol', () => {
    expect([...huffmanCodeLengths([5, 1, 1, 2])]).toEqual([1, 3, 3, 2]);
    expect([...huffmanCodeLengths([0, 7, 0])]).toEqual([0, 1, 0]);
    expect([...huffmanCodeLengths([0, 0])]).toEqual([0, 0]);
  });

  test('complete, within the limit, and optimal where the limit does not bind (≤ 16 symbols)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 1000 }), { minLength: 2, maxLength: 16 }), (frequencies) => {
        const lengths = huffmanCodeLengths(frequencies);
        const used = frequencies.filter((frequency) => frequency > 0).length;
        frequencies.forEach((frequency, symbol) => expect(lengths[symbol]! > 0).toBe(frequency > 0));
        expect(Math.max(0, ...lengths)).toBeLessThanOrEqual(MAX_HUFFMAN_CODE_LENGTH);
        if (used >= 2) expect(kraftUnits(lengths)).toBe(2 ** 15);
        if (used >= 1) expect(cost(frequencies, lengths)).toBe(optimalCost(frequencies));
      }),
      { numRuns: 300 },
    );
  });

  test('skewed frequencies are limited to 15 bits and stay a complete code no worse than needed', () => {
    // Fibonacci frequencies give the deepest Huffman trees: 40 symbols would need 39-bit codes.
    const fibonacci = [1, 1];
    while (fibonacci.length < 40) fibonacci.push(fibonacci.at(-1)! + fibonacci.at(-2)!);
    const lengths = huffmanCodeLengths(fibonacci);
    expect(Math.max(...lengths)).toBe(MAX_HUFFMAN_CODE_LENGTH);
    expect(kraftUnits(lengths)).toBe(2 ** 15);
    expect(cost(fibonacci, lengths)).toBeGreaterThanOrEqual(optimalCost(fibonacci));
    // Within the limit's price: no worse than a 6-bit fixed code for these 40 symbols.
    expect(cost(fibonacci, lengths)).toBeLessThan(6 * fibonacci.reduce((a, b) => a + b, 0));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 30 }), { minLength: 2, maxLength: 300 }), (exponents) => {
        const frequencies = exponents.map((value) => 2 ** (value % 31));
        const limited = huffmanCodeLengths(frequencies);
        expect(Math.max(...limited)).toBeLessThanOrEqual(MAX_HUFFMAN_CODE_LENGTH);
        expect(kraftUnits(limited)).toBe(2 ** 15);
      }),
      { numRuns: 100 },
    );
  });

  test('more distinct symbols than 15-bit codes can address is a typed error', () => {
    expect(() => huffmanCodeLengths(new Float64Array(2 ** 15 + 1).fill(1))).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
  });
});

describe('the stored table and canonical codes', () => {
  test('lengths pack 4 bits each, low nibble first, up to the last coded symbol', () => {
    expect([...packCodeLengths(new Uint8Array([1, 3, 3, 2]))]).toEqual([0x31, 0x23]);
    expect([...packCodeLengths(new Uint8Array([1, 1, 0, 0, 0]))]).toEqual([0x11]);
    expect([...packCodeLengths(new Uint8Array([0, 1, 0, 1, 0]))]).toEqual([0x10, 0x10]);
    expect([...canonicalCodes(new Uint8Array([1, 3, 3, 2]))]).toEqual([0b0, 0b110, 0b111, 0b10]);
  });

  test('a read table equals the packed one and decodes canonically', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 50 }), { minLength: 2, maxLength: 64 }), (frequencies) => {
        const lengths = huffmanCodeLengths(frequencies);
        const code = readCanonicalCode(packCodeLengths(lengths), 64, {});
        const trimmed = [...lengths];
        while (trimmed.length > 0 && trimmed.at(-1) === 0) trimmed.pop();
        if (trimmed.length % 2 === 1) trimmed.push(0);
        expect([...code.lengths]).toEqual(trimmed);
      }),
    );
  });

  test('tables that are not a complete prefix code are refused, naming the field', () => {
    const location = { field: 'streams[0].lengths' };
    expect(() => readCanonicalCode(new Uint8Array([0x11, 0x01]), 16, location)).toThrow(
      expect.objectContaining({ code: 'invalid-encoding', field: 'streams[0].lengths', message: expect.stringContaining('over-subscribed') }),
    );
    expect(() => readCanonicalCode(new Uint8Array([0x21]), 16, location)).toThrow(expect.objectContaining({ message: expect.stringContaining('under-subscribed') }));
    expect(() => readCanonicalCode(new Uint8Array([0xf2]), 16, location)).toThrow(expect.objectContaining({ message: expect.stringContaining('under-subscribed') }));
    expect(() => readCanonicalCode(new Uint8Array(3), 4, location)).toThrow(expect.objectContaining({ message: expect.stringContaining('cover more than the 4 symbols') }));
    // A lone symbol of length 1 and an empty table are the two incomplete codes allowed.
    expect(readCanonicalCode(new Uint8Array([0x10]), 2, location).sortedSymbols).toEqual(Int32Array.of(1));
    expect(readCanonicalCode(new Uint8Array([]), 2, location).longest).toBe(0);
  });
});
