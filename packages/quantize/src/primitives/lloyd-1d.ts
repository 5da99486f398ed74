/**
 * Lloyd's k-means in one dimension, on sorted values. In 1-D every cluster is a run of the
 * sorted values between two midpoints, so an iteration is k binary searches for the new run
 * boundaries plus sums over the values that crossed one: O(k log n + moved) instead of the
 * O(n · k) of a naive assignment. Empty clusters are reseeded (deterministically from `seed`)
 * at a value of the cluster with the largest squared error.
 */
import { seededRandom } from './seeded-random.ts';

/** Options of {@link lloydCentroids}. */
export interface LloydOptions {
  /** Number of centroids (≥ 1). */
  readonly count: number;
  /** Most iterations; stops earlier when no value changes cluster. */
  readonly iterations: number;
  /** Seed for reseeding empty clusters. */
  readonly seed: number;
  /** Ascending starting centroids, `count` of them; by default spread evenly over [min, max]. */
  readonly initial?: Float64Array;
}

/** Centroids, ascending, and how many iterations ran. */
export interface LloydResult {
  readonly centroids: Float64Array;
  readonly iterations: number;
  readonly converged: boolean;
}

/**
 * k-means centroids of ascending, finite `sorted` values, from `initial` or a linear
 * initialisation over [min, max]. Ties between two centroids go to the lower one.
 *
 * @example
 * ```ts
 * lloydCentroids(new Float32Array([0, 0.1, 0.9, 1]), { count: 2, iterations: 20, seed: 0 }).centroids; // [0.05, 0.95]
 * ```
 */
export function lloydCentroids(sorted: Float32Array, options: LloydOptions): LloydResult {
  const { count, iterations, seed, initial } = options;
  const size = sorted.length;
  const centroids = initial === undefined ? linearCentroids(sorted, count) : Float64Array.from(initial);
  if (size === 0) return { centroids, iterations: 0, converged: true };
  // starts[j] is the first sorted index of cluster j; starts[count] = size.
  // Everything starts in cluster 0 (every later cluster starts at the end) with exact sums; then
  // boundaries move and the sums follow the values that cross them.
  let starts = new Float64Array(count + 1).fill(size);
  let next = new Float64Array(count + 1).fill(size);
  starts[0] = next[0] = 0;
  const sums = new Float64Array(count);
  const squares = new Float64Array(count);
  for (let index = 0; index < size; index++) {
    const value = sorted[index]!;
    sums[0] = sums[0]! + value;
    squares[0] = squares[0]! + value * value;
  }
  const random = seededRandom(seed);
  let iteration = 0;
  let converged = false;
  // Whether the runs are the clusters of the current centroids: not before the first iteration,
  // nor after a reseed re-sorted the centroids.
  let runsMatch = false;
  while (iteration < iterations) {
    iteration++;
    for (let cluster = 1; cluster < count; cluster++) {
      const midpoint = (centroids[cluster - 1]! + centroids[cluster]!) / 2;
      // Keep boundaries monotone even if rounding makes two midpoints cross.
      next[cluster] = Math.max(next[cluster - 1]!, upperBound(sorted, midpoint));
    }
    let crossing = 0;
    for (let cluster = 1; cluster < count; cluster++) crossing += Math.abs(next[cluster]! - starts[cluster]!);
    if (crossing === 0 && iteration > 1) {
      converged = runsMatch = true;
      break;
    }
    // Follow the values that cross a boundary, unless so many do (after a reseed re-sorted the
    // centroids) that one pass over everything is cheaper.
    if (crossing > size) runSums(sorted, next, sums, squares);
    else followBoundaries(sorted, starts, next, sums, squares);
    [starts, next] = [next, starts];
    let empty = false;
    for (let cluster = 0; cluster < count; cluster++) {
      const from = starts[cluster]!;
      const to = starts[cluster + 1]!;
      // Running sums drift; a mean still lies within its run, which keeps centroids ascending.
      if (to > from) centroids[cluster] = Math.min(sorted[to - 1]!, Math.max(sorted[from]!, sums[cluster]! / (to - from)));
      else empty = true;
    }
    runsMatch = !(empty && reseed(sorted, centroids, starts, sums, squares, random));
    if (!runsMatch) centroids.sort();
  }
  // The running sums have drifted by many additions and subtractions; finish on exact means.
  if (runsMatch) {
    runSums(sorted, starts, sums, squares);
    for (let cluster = 0; cluster < count; cluster++) {
      const members = starts[cluster + 1]! - starts[cluster]!;
      if (members > 0) centroids[cluster] = sums[cluster]! / members;
    }
  }
  return { centroids, iterations: iteration, converged };
}

/** `count` centroids spread evenly over [min, max] of ascending `sorted` (Deep Compression's linear initialisation). */
function linearCentroids(sorted: Float32Array, count: number): Float64Array {
  const centroids = new Float64Array(count);
  const low = sorted.length === 0 ? 0 : sorted[0]!;
  const high = sorted.length === 0 ? 0 : sorted[sorted.length - 1]!;
  for (let index = 0; index < count; index++) {
    centroids[index] = count === 1 ? (low + high) / 2 : low + ((high - low) * index) / (count - 1);
  }
  return centroids;
}

/**
 * Moves each empty cluster's centroid to a random value of the cluster with the largest squared
 * error (a value no centroid holds yet). Returns true when any centroid moved.
 */
function reseed(
  sorted: Float32Array,
  centroids: Float64Array,
  starts: Float64Array,
  sums: Float64Array,
  squares: Float64Array,
  random: () => number,
): boolean {
  const count = centroids.length;
  let worst = -1;
  let worstError = 0;
  for (let cluster = 0; cluster < count; cluster++) {
    const members = starts[cluster + 1]! - starts[cluster]!;
    if (members < 2) continue;
    const error = squares[cluster]! - (sums[cluster]! * sums[cluster]!) / members;
    if (error > worstError) [worst, worstError] = [cluster, error];
  }
  if (worst < 0) return false;
  let movedAny = false;
  for (let cluster = 0; cluster < count; cluster++) {
    if (starts[cluster + 1]! > starts[cluster]!) continue;
    const from = starts[worst]!;
    const pick = sorted[from + Math.floor(random() * (starts[worst + 1]! - from))]!;
    if (centroids.includes(pick)) continue;
    centroids[cluster] = pick;
    movedAny = true;
  }
  return movedAny;
}

/** Moves the values between old and new run boundaries from one run's sums to its neighbour's. */
function followBoundaries(
  sorted: Float32Array,
  starts: Float64Array,
  next: Float64Array,
  sums: Float64Array,
  squares: Float64Array,
): void {
  for (let cluster = 1; cluster < sums.length; cluster++) {
    const from = starts[cluster]!;
    const to = next[cluster]!;
    if (from === to) continue;
    let sum = 0;
    let square = 0;
    for (let index = Math.min(from, to); index < Math.max(from, to); index++) {
      const value = sorted[index]!;
      sum += value;
      square += value * value;
    }
    // The boundary moved up: values [from, to) join the run below; down: they leave it.
    const sign = to > from ? 1 : -1;
    sums[cluster - 1] = sums[cluster - 1]! + sign * sum;
    squares[cluster - 1] = squares[cluster - 1]! + sign * square;
    sums[cluster] = sums[cluster]! - sign * sum;
    squares[cluster] = squares[cluster]! - sign * square;
  }
}

/** Exact sums and sums of squares of every run. */
function runSums(sorted: Float32Array, starts: Float64Array, sums: Float64Array, squares: Float64Array): void {
  for (let cluster = 0; cluster < sums.length; cluster++) {
    let sum = 0;
    let square = 0;
    for (let index = starts[cluster]!; index < starts[cluster + 1]!; index++) {
      const value = sorted[index]!;
      sum += value;
      square += value * value;
    }
    sums[cluster] = sum;
    squares[cluster] = square;
  }
}

/**
 * The number of sorted values ≤ `value` (the first index holding a larger one).
 *
 * @example
 * ```ts
 * upperBound(new Float32Array([1, 2, 2, 3]), 2); // 3
 * ```
 */
export function upperBound(sorted: Float32Array, value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}
