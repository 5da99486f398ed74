import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { paretoFront } from './pareto-front.ts';

/** The front by its definition: every distinct point that no other point dominates. */
function frontByDefinition(points: readonly { bytes: number; accuracy: number }[]): string[] {
  const distinct = [...new Map(points.map((point) => [`${point.bytes}/${point.accuracy}`, point])).values()];
  const dominated = (point: { bytes: number; accuracy: number }) =>
    distinct.some((other) => other.bytes <= point.bytes && other.accuracy >= point.accuracy && (other.bytes < point.bytes || other.accuracy > point.accuracy));
  return distinct.filter((point) => !dominated(point)).map((point) => `${point.bytes}/${point.accuracy}`).sort();
}

const point = fc.record({ bytes: fc.integer({ min: 1, max: 40 }), accuracy: fc.integer({ min: 80, max: 100 }) });

describe('paretoFront', () => {
  it('keeps exactly the points no other point dominates', () => {
    fc.assert(
      fc.property(fc.array(point, { maxLength: 30 }), (points) => {
        const front = paretoFront(points);
        expect(front.map((kept) => `${kept.bytes}/${kept.accuracy}`).sort()).toEqual(frontByDefinition(points));
      }),
      { numRuns: 300 },
    );
  });

  it('orders the front by bytes, with accuracy rising along it', () => {
    fc.assert(
      fc.property(fc.array(point, { maxLength: 30 }), (points) => {
        const front = paretoFront(points);
        for (let at = 1; at < front.length; at++) {
          expect(front[at]!.bytes).toBeGreaterThan(front[at - 1]!.bytes);
          expect(front[at]!.accuracy).toBeGreaterThan(front[at - 1]!.accuracy);
        }
      }),
    );
  });

  it('leaves out points whose figures are not finite', () => {
    const front = paretoFront([
      { bytes: Number.NaN, accuracy: 99 },
      { bytes: 10, accuracy: Number.POSITIVE_INFINITY },
      { bytes: 20, accuracy: 90 },
    ]);
    expect(front).toEqual([{ bytes: 20, accuracy: 90 }]);
  });
});
