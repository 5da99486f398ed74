import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lloydCentroids, upperBound } from './lloyd-1d.ts';

/** Lloyd's algorithm the slow, obvious way: assign by scanning all centroids, then average. */
function naiveLloyd(values: Float32Array, count: number, iterations: number): { centroids: Float64Array; emptied: boolean } {
  const low = Math.min(...values);
  const high = Math.max(...values);
  const centroids = Float64Array.from({ length: count }, (_, index) => (count === 1 ? (low + high) / 2 : low + ((high - low) * index) / (count - 1)));
  let emptied = false;
  for (let iteration = 0; iteration < iterations; iteration++) {
    const sums = new Float64Array(count);
    const members = new Float64Array(count);
    for (const value of values) {
      let best = 0;
      for (let cluster = 1; cluster < count; cluster++) {
        // Ties go to the lower centroid, as the fast version's midpoints do.
        if (value > (centroids[best]! + centroids[cluster]!) / 2) best = cluster;
      }
      sums[best] = sums[best]! + value;
      members[best] = members[best]! + 1;
    }
    for (let cluster = 0; cluster < count; cluster++) {
      if (members[cluster]! > 0) centroids[cluster] = sums[cluster]! / members[cluster]!;
      else emptied = true;
    }
  }
  return { centroids, emptied };
}

describe('lloydCentroids', () => {
  it("matches a naive Lloyd's algorithm when no cluster empties", () => {
    let compared = 0;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 8, maxLength: 120 }), fc.integer({ min: 1, max: 4 }), (integers, count) => {
        const sorted = Float32Array.from(integers, (value) => value / 8).sort();
        const fast = lloydCentroids(sorted, { count, iterations: 30, seed: 0 });
        const naive = naiveLloyd(sorted, count, 30);
        // Reseeding only differs when a cluster empties; compare runs where none did.
        if (naive.emptied) return;
        compared++;
        Array.from(fast.centroids).forEach((centroid, index) => expect(centroid).toBeCloseTo(naive.centroids[index]!, 6));
      }),
      { numRuns: 200 },
    );
    expect(compared).toBeGreaterThan(50);
  });

  it('stops once converged and reports it', () => {
    const sorted = Float32Array.from([0, 0.1, 0.9, 1]);
    const result = lloydCentroids(sorted, { count: 2, iterations: 20, seed: 0 });
    expect(result.converged).toBe(true);
    expect(result.iterations).toBeLessThan(20);
    expect(Array.from(result.centroids)).toEqual([0.05000000074505806, 0.949999988079071]);
  });

  it('finds upper bounds', () => {
    const sorted = Float32Array.from([1, 2, 2, 3]);
    expect([0, 1, 2, 2.5, 3, 4].map((value) => upperBound(sorted, value))).toEqual([0, 1, 3, 3, 4, 4]);
  });
});
