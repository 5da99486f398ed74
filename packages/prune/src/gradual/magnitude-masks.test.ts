import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { magnitudeMasks } from './magnitude-masks.ts';

/** Reference: prune the `count` lowest of (pruned-before first, then |w|), ties to the lower index, by sorting. */
function reference(values: readonly number[], previous: readonly number[], count: number): number[] {
  const order = values
    .map((value, index) => ({ key: previous[index] === 0 ? -1 : Math.abs(value), index }))
    .sort((a, b) => a.key - b.key || a.index - b.index);
  const mask = values.map(() => 1);
  for (const { index } of order.slice(0, count)) mask[index] = 0;
  return mask;
}

const tensor = fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: -100, max: 100 }), { minLength: 1, maxLength: 80 });
const withMask = tensor.chain((values) => fc.tuple(fc.constant(values.map(Math.fround)), fc.array(fc.constantFrom(0, 1, 1, 1), { minLength: values.length, maxLength: values.length })));

describe('magnitudeMasks', () => {
  it('per layer: prunes round(s·n) lowest magnitudes of each tensor, or more to keep every earlier prune', () => {
    fc.assert(
      fc.property(fc.array(withMask, { minLength: 1, maxLength: 4 }), fc.double({ min: 0, max: 0.999, noNaN: true }), (tensors, sparsity) => {
        const masks = magnitudeMasks(
          tensors.map(([values]) => Float32Array.from(values)),
          tensors.map(([, mask]) => Uint8Array.from(mask)),
          sparsity,
          'layer',
        );
        tensors.forEach(([values, previous], index) => {
          const count = Math.max(Math.round(sparsity * values.length), previous.filter((keep) => keep === 0).length);
          expect(Array.from(masks[index]!)).toEqual(reference(values, previous, count));
        });
      }),
    );
  });

  it('global: ranks the concatenation, keeping every earlier prune', () => {
    fc.assert(
      fc.property(fc.array(withMask, { minLength: 1, maxLength: 4 }), fc.double({ min: 0, max: 0.999, noNaN: true }), (tensors, sparsity) => {
        const masks = magnitudeMasks(
          tensors.map(([values]) => Float32Array.from(values)),
          tensors.map(([, mask]) => Uint8Array.from(mask)),
          sparsity,
          'global',
        );
        const values = tensors.flatMap(([tensorValues]) => tensorValues);
        const previous = tensors.flatMap(([, mask]) => mask);
        const count = Math.max(Math.round(sparsity * values.length), previous.filter((keep) => keep === 0).length);
        expect(masks.flatMap((mask) => Array.from(mask))).toEqual(reference(values, previous, count));
      }),
    );
  });

  it('refuses masks that do not match the weights', () => {
    expect(() => magnitudeMasks([new Float32Array(3)], [], 0.5, 'layer')).toThrow(expect.objectContaining({ field: 'masks' }));
    expect(() => magnitudeMasks([new Float32Array(3)], [new Uint8Array(2)], 0.5, 'layer')).toThrow(expect.objectContaining({ field: 'masks[0]' }));
  });
});
