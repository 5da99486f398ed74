import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWhittleError } from '@whittle/core';
import { TEMPORAL_ORDER_CLASSES, temporalOrderSequences } from './lstm-gru-task.ts';

/**
 * The class read back from one sequence's one-hot rows by a plain scan, independent of the
 * generator: the markers (tokens 0 and 1) in the order they occur, and where padding ends.
 */
function readSequence(inputs: Float32Array, sample: number, steps: number, tokens: number): { label: string; length: number; markerSteps: number[] } {
  let markers = '';
  const markerSteps: number[] = [];
  let length = 0;
  for (let step = 0; step < steps; step++) {
    const row = inputs.subarray((sample * steps + step) * tokens, (sample * steps + step + 1) * tokens);
    const hot = [...row].flatMap((value, token) => (value === 1 ? [token] : []));
    expect([...row].every((value) => value === 0 || value === 1)).toBe(true);
    if (hot.length === 0) {
      // Padding only before the sequence starts.
      expect(length).toBe(0);
      continue;
    }
    expect(hot).toHaveLength(1);
    length++;
    if (hot[0]! < 2) {
      markers += hot[0] === 0 ? 'X' : 'Y';
      markerSteps.push(length - 1);
    }
  }
  return { label: markers, length, markerSteps };
}

describe('temporalOrderSequences', () => {
  it('gives each sequence one token a step, two markers one in each half, and the class of their order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 12 }),
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: 3, max: 7 }),
        fc.integer({ min: 0, max: 1000 }),
        (minLength, extra, tokens, seed) => {
          const maxLength = minLength + extra;
          const sequences = temporalOrderSequences({ count: 20, minLength, maxLength, tokens, seed });
          expect(sequences.inputs.length).toBe(20 * maxLength * tokens);
          for (let sample = 0; sample < 20; sample++) {
            const { label, length, markerSteps } = readSequence(sequences.inputs, sample, maxLength, tokens);
            expect(length).toBeGreaterThanOrEqual(minLength);
            expect(length).toBeLessThanOrEqual(maxLength);
            expect(label).toBe(TEMPORAL_ORDER_CLASSES[sequences.labels[sample]!]);
            expect(markerSteps[0]!).toBeGreaterThan(0);
            expect(markerSteps[0]!).toBeLessThan(Math.floor(length / 2));
            expect(markerSteps[1]!).toBeGreaterThanOrEqual(Math.floor(length / 2));
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it('is deterministic in its seed, differs across seeds, and draws every class and length', () => {
    const options = { count: 2000, minLength: 20, maxLength: 30, tokens: 8, seed: 1 };
    const sequences = temporalOrderSequences(options);
    // A plain element loop: vitest's deep equality on 480,000 floats takes seconds.
    const same = (left: Float32Array, right: Float32Array): boolean => left.length === right.length && left.every((value, index) => value === right[index]);
    expect(same(temporalOrderSequences(options).inputs, sequences.inputs)).toBe(true);
    expect(same(temporalOrderSequences({ ...options, seed: 2 }).inputs, sequences.inputs)).toBe(false);
    const counts = [0, 0, 0, 0];
    for (const label of sequences.labels) counts[label]!++;
    // Each class about a quarter of 2,000: far inside 500 ± 100.
    for (const count of counts) expect(Math.abs(count - 500)).toBeLessThan(100);
    const lengths = new Set<number>();
    for (let sample = 0; sample < 200; sample++) lengths.add(readSequence(sequences.inputs, sample, 30, 8).length);
    expect([...lengths].sort((a, b) => a - b)).toEqual(Array.from({ length: 11 }, (_, index) => 20 + index));
  });

  it('refuses bad sizes with a typed error naming the field', () => {
    const good = { count: 4, minLength: 6, maxLength: 8, tokens: 5, seed: 0 };
    const cases: [Record<string, unknown>, string][] = [
      [{ count: 0 }, 'options.count'],
      [{ count: 1.5 }, 'options.count'],
      [{ minLength: 3 }, 'options.minLength'],
      [{ maxLength: Number.NaN }, 'options.maxLength'],
      [{ maxLength: 5 }, 'options.maxLength'],
      [{ tokens: 2 }, 'options.tokens'],
      [{ seed: 0.5 }, 'options.seed'],
      [{ count: 2 ** 40 }, 'options.count'],
    ];
    for (const [change, field] of cases) {
      let caught: unknown;
      try {
        temporalOrderSequences({ ...good, ...change } as never);
      } catch (error) {
        caught = error;
      }
      expect(isWhittleError(caught, 'invalid-argument'), `${field} ${String(caught)}`).toBe(true);
      expect((caught as { field: string }).field).toBe(field);
    }
  });
});
