import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clusteringError, optimalCentroids1d } from './optimal-1d-kmeans.ts';
import { lloydCentroids } from './lloyd-1d.ts';

/** The least squared error of any split of `values` (ascending) into at most `count` runs, by trying every split. */
function bruteForceError(values: readonly number[], count: number): number {
  const runError = (from: number, to: number): number => {
    let mean = 0;
    for (let index = from; index < to; index++) mean += values[index]!;
    mean /= to - from;
    let error = 0;
    for (let index = from; index < to; index++) error += (values[index]! - mean) ** 2;
    return error;
  };
  const best = (from: number, clusters: number): number => {
    if (clusters === 1) return runError(from, values.length);
    let least = runError(from, values.length);
    for (let split = from + 1; split < values.length; split++) least = Math.min(least, runError(from, split) + best(split, clusters - 1));
    return least;
  };
  return best(0, count);
}

const sortedFloats = (maxLength: number) =>
  fc
    .array(fc.float({ min: -100, max: 100, noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength })
    .map((values) => Float32Array.from(values).sort());

describe('optimalCentroids1d', () => {
  it('reaches the least squared error of every split into runs (brute force)', () => {
    fc.assert(
      fc.property(sortedFloats(11), fc.integer({ min: 1, max: 4 }), (sorted, count) => {
        const centroids = optimalCentroids1d(sorted, count);
        expect(centroids.length).toBe(count);
        for (let index = 1; index < count; index++) expect(centroids[index]!).toBeGreaterThanOrEqual(centroids[index - 1]!);
        const optimum = bruteForceError(Array.from(sorted), count);
        expect(clusteringError(sorted, centroids)).toBeCloseTo(optimum, 6);
      }),
      { numRuns: 300 },
    );
  });

  it('with fewer distinct values than centroids, each distinct value is a centroid and the last repeats', () => {
    const centroids = optimalCentroids1d(new Float32Array([1, 1, 2, 5, 5]), 5);
    expect(Array.from(centroids)).toEqual([1, 2, 5, 5, 5]);
    expect(Array.from(optimalCentroids1d(new Float32Array(0), 3))).toEqual([0, 0, 0]);
  });

  it('matches the example', () => {
    expect(Array.from(optimalCentroids1d(new Float32Array([0, 1, 2, 10, 11, 30]), 3))).toEqual([1, 10.5, 30]);
  });

  it('over merged runs, then Lloyd, stays within 0.1% of the exact optimum on clustered data', () => {
    // Three tight clusters of unequal sizes and a long tail: where an even start over [min, max] stalls.
    let state = 12345;
    const random = (): number => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const values = new Float32Array(20_000);
    for (let index = 0; index < values.length; index++) {
      const pick = random();
      values[index] = pick < 0.6 ? normal() * 0.01 : pick < 0.9 ? 0.5 + normal() * 0.05 : pick < 0.99 ? -1 + normal() * 0.02 : 3 + random() * 5;
    }
    values.sort();
    const exact = clusteringError(values, optimalCentroids1d(values, 16));
    const merged = optimalCentroids1d(values, 16, { maxRuns: 500 });
    const refined = lloydCentroids(values, { count: 16, iterations: 50, seed: 0, initial: merged }).centroids;
    expect(clusteringError(values, refined)).toBeLessThan(exact * 1.001);
    const linear = lloydCentroids(values, { count: 16, iterations: 200, seed: 0 }).centroids;
    expect(clusteringError(values, linear)).toBeGreaterThan(exact * 1.05);
  });
});

describe('clusteringError', () => {
  it('sums squared distances to the nearest centroid (plain nearest search as the oracle)', () => {
    fc.assert(
      fc.property(sortedFloats(40), fc.array(fc.float({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 6 }), (sorted, raw) => {
        const centroids = Float64Array.from(raw).sort();
        let expected = 0;
        for (const value of sorted) expected += Math.min(...Array.from(centroids, (centroid) => (value - centroid) ** 2));
        expect(clusteringError(sorted, centroids)).toBeCloseTo(expected, 6);
      }),
    );
  });
});
