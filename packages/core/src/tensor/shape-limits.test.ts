import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WhittleError } from '../errors.ts';
import {
  MAX_ELEMENTS,
  MAX_ENTRIES_WITHOUT_DATA,
  MAX_EXTENT,
  MAX_RANK,
  checkEntriesBound,
  checkShapeLimits,
  describeShape,
} from './shape-limits.ts';

/** The rules written out plainly, as the oracle: rank, then integers, then products. */
function expectedSize(shape: readonly number[]): number | undefined {
  if (shape.length > MAX_RANK) return undefined;
  if (!shape.every((dimension) => Number.isSafeInteger(dimension) && dimension >= 0)) return undefined;
  let size = 1;
  let extent = 1;
  for (const dimension of shape) {
    size *= dimension;
    extent *= dimension === 0 ? 1 : dimension;
    if (size > MAX_ELEMENTS || extent > MAX_EXTENT) return undefined;
  }
  return size;
}

const dimension = fc.oneof(
  fc.integer({ min: 0, max: 8 }),
  fc.constantFrom(0, 2 ** 26, 2 ** 31, 2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1, -1, 0.5, Number.NaN, Infinity),
);

describe('checkShapeLimits', () => {
  it('returns the element count of a shape within the limits and refuses the rest with a short typed line', () => {
    fc.assert(
      fc.property(fc.array(dimension, { maxLength: 70 }), (shape) => {
        const expected = expectedSize(shape);
        if (expected !== undefined) {
          expect(checkShapeLimits(shape)).toBe(expected);
          return;
        }
        try {
          checkShapeLimits(shape, { file: 'm.safetensors', field: 'header["w"].shape' });
          expect.unreachable('the shape is over the limits');
        } catch (error) {
          expect(error).toBeInstanceOf(WhittleError);
          const { code, message } = error as WhittleError;
          expect(code).toBe('invalid-tensor');
          expect(message.startsWith('m.safetensors: header["w"].shape: ')).toBe(true);
          expect(message).not.toContain('\n');
          expect(message.length).toBeLessThan(300);
        }
      }),
    );
  });

  it('refuses zero-element shapes whose other dimensions are giant', () => {
    expect(() => checkShapeLimits([0, 2 ** 53 - 1])).toThrow(/spans more than/);
    expect(() => checkShapeLimits([0, 2 ** 32, 2])).toThrow(/spans more than/);
    // Empty but modest: a legitimate empty tensor.
    expect(checkShapeLimits([0, 2 ** 26])).toBe(0);
  });

  it('refuses a million dimensions by their count, before looking at any, in one short line', () => {
    const shape = new Array(1_000_000).fill(1);
    const started = performance.now();
    expect(() => checkShapeLimits(shape)).toThrow(`a shape of 1000000 dimensions is over the limit of ${MAX_RANK}`);
    expect(performance.now() - started).toBeLessThan(50);
  });
});

describe('describeShape', () => {
  it('shows short shapes whole and long ones by their first dimensions and count', () => {
    expect(describeShape([784, 256])).toBe('[784, 256]');
    expect(describeShape(new Array(1000).fill(1))).toBe('[1, 1, 1, 1, 1, 1, 1, 1, … (1000 dimensions)]');
    expect(describeShape(['x'.repeat(1000)]).length).toBeLessThan(40);
  });
});

describe('checkEntriesBound', () => {
  it('allows one entry per element, or a small number for little data', () => {
    expect(() => checkEntriesBound(64, 64 * 32)).not.toThrow();
    expect(() => checkEntriesBound(MAX_ENTRIES_WITHOUT_DATA, 0)).not.toThrow();
  });

  it('refuses entries a shape promises but its data does not back', () => {
    expect(() => checkEntriesBound(2 ** 26, 0)).toThrow(WhittleError);
    expect(() => checkEntriesBound(MAX_ENTRIES_WITHOUT_DATA + 1, 10)).toThrow(/more than its data holds/);
  });
});
