/**
 * Optimal k-means in one dimension by dynamic programming (Wang & Song 2011, Ckmeans.1d.dp): on
 * sorted values every cluster is a run, so the best split of the first j values into c runs is
 * the best split of some prefix into c − 1 runs plus one last run. The split point of the best
 * solution never moves left as j grows, so each of the k layers is solved by divide and conquer
 * in O(m log m) cost evaluations, each O(1) from prefix sums.
 *
 * Large inputs are first merged into at most a few hundred thousand runs of neighbouring sorted
 * values (equal values always share a run), which bounds time and memory; the clustering is
 * then exact over those runs, and a few Lloyd iterations on the values themselves (the caller's)
 * move the boundaries the merge hid.
 */

/** Options of {@link optimalCentroids1d}. */
export interface OptimalCentroidsOptions {
  /**
   * Most runs the values are merged into before the exact search (default: what keeps the
   * search's split table at 4 Mi entries and its work near 16 cost evaluations per value).
   * Inputs with no more distinct values than this are clustered exactly.
   */
  readonly maxRuns?: number;
}

/** Most entries of the split table: 4 Mi Int32 entries, 16 MiB. */
const MAX_TABLE_ENTRIES = 4 * 1024 * 1024;
/** Work allowance in cost evaluations per value, and at least this many in all. */
const WORK_PER_VALUE = 6;
const MINIMUM_WORK = 1 << 22;

/**
 * The centroids (ascending, `count` of them) of the k-means clustering with the least sum of
 * squared errors of ascending, finite `sorted` values, exact whenever the values have at most
 * `maxRuns` distinct values. With fewer distinct values than `count`, every distinct value is a
 * centroid and the last is repeated to fill `count`. Empty input gives `count` zeros.
 *
 * @example
 * ```ts
 * optimalCentroids1d(new Float32Array([0, 1, 2, 10, 11, 30]), 3); // [1, 10.5, 30]
 * ```
 */
export function optimalCentroids1d(sorted: Float32Array, count: number, options: OptimalCentroidsOptions = {}): Float64Array {
  const centroids = new Float64Array(count);
  const size = sorted.length;
  if (size === 0 || count === 0) return centroids;
  const runs = mergeRuns(sorted, options.maxRuns ?? defaultMaxRuns(size, count));
  const clusters = Math.min(count, runs.count);
  const splits = optimalSplits(runs, clusters);
  let end = runs.count;
  for (let cluster = clusters - 1; cluster >= 0; cluster--) {
    const start = cluster === 0 ? 0 : splits[cluster * (runs.count + 1) + end]!;
    centroids[cluster] = runs.shift + (runs.sums[end]! - runs.sums[start]!) / (runs.weights[end]! - runs.weights[start]!);
    end = start;
  }
  for (let cluster = clusters; cluster < count; cluster++) centroids[cluster] = centroids[clusters - 1]!;
  return centroids;
}

/**
 * The sum of squared distances from each of ascending `sorted` values to its nearest of
 * ascending `centroids` (ties to either: the distance is the same).
 *
 * @example
 * ```ts
 * clusteringError(new Float32Array([0, 1, 3]), new Float64Array([0.5, 3])); // 0.5
 * ```
 */
export function clusteringError(sorted: Float32Array, centroids: Float64Array): number {
  let error = 0;
  let cluster = 0;
  for (let index = 0; index < sorted.length; index++) {
    const value = sorted[index]!;
    while (cluster + 1 < centroids.length && Math.abs(centroids[cluster + 1]! - value) <= Math.abs(centroids[cluster]! - value)) cluster++;
    const difference = value - centroids[cluster]!;
    error += difference * difference;
  }
  return error;
}

/** How many runs keep the split table and the work within bounds for `size` values and `count` clusters. */
function defaultMaxRuns(size: number, count: number): number {
  const byTable = Math.floor(MAX_TABLE_ENTRIES / count) - 1;
  const work = Math.max(MINIMUM_WORK, WORK_PER_VALUE * size);
  // count · m · log2(m) ≤ work, solved for m by a few fixed-point steps.
  let byWork = work / count;
  for (let step = 0; step < 4; step++) byWork = work / (count * Math.max(1, Math.log2(byWork)));
  return Math.max(count, Math.min(byTable, Math.floor(byWork)));
}

/**
 * Runs of neighbouring sorted values as prefix sums of their counts, their sums and their sums
 * of squares, all taken about `shift` (the median) so the squares do not swamp the differences
 * the costs are made of.
 */
interface Runs {
  readonly count: number;
  readonly shift: number;
  readonly weights: Float64Array;
  readonly sums: Float64Array;
  readonly squares: Float64Array;
}

function mergeRuns(sorted: Float32Array, maxRuns: number): Runs {
  const size = sorted.length;
  const shift = sorted[size >>> 1]!;
  let distinct = 1;
  for (let index = 1; index < size; index++) if (sorted[index] !== sorted[index - 1]) distinct++;
  const exact = distinct <= maxRuns;
  // Merged runs end after a share of the values or a share of the range, whichever comes first,
  // so dense middles and sparse tails (where the squared error lives) both keep enough runs;
  // there are then at most maxRuns of them. A run never ends inside a stretch of equal values.
  const share = Math.max(1, Math.floor(maxRuns / 2));
  const countLimit = exact ? 1 : Math.ceil(size / share);
  const widthLimit = exact ? 0 : (sorted[size - 1]! - sorted[0]!) / share;
  const capacity = exact ? distinct : 2 * share + 2;
  const weights = new Float64Array(capacity + 1);
  const sums = new Float64Array(capacity + 1);
  const squares = new Float64Array(capacity + 1);
  let run = 0;
  let index = 0;
  while (index < size) {
    const first = sorted[index]!;
    let end = index + 1;
    while (end < size && (sorted[end] === sorted[end - 1] || (end - index < countLimit && sorted[end]! - first <= widthLimit))) end++;
    let sum = 0;
    let square = 0;
    for (let position = index; position < end; position++) {
      const value = sorted[position]! - shift;
      sum += value;
      square += value * value;
    }
    weights[run + 1] = weights[run]! + (end - index);
    sums[run + 1] = sums[run]! + sum;
    squares[run + 1] = squares[run]! + square;
    run++;
    index = end;
  }
  return { count: run, shift, weights, sums, squares };
}

/**
 * The split table of the optimal clustering of `runs` into `clusters` runs: entry
 * `c · (m + 1) + j` is where the last of c + 1 clusters of the first j runs starts.
 */
function optimalSplits(runs: Runs, clusters: number): Int32Array {
  const { count: m, weights, sums, squares } = runs;
  const cost = (from: number, to: number): number => {
    const weight = weights[to]! - weights[from]!;
    const sum = sums[to]! - sums[from]!;
    const error = squares[to]! - squares[from]! - (sum * sum) / weight;
    return error > 0 ? error : 0;
  };
  const splits = new Int32Array(clusters * (m + 1));
  let previous = new Float64Array(m + 1);
  let current = new Float64Array(m + 1);
  for (let end = 1; end <= m; end++) previous[end] = cost(0, end);
  for (let cluster = 1; cluster < clusters; cluster++) {
    const row = cluster * (m + 1);
    current.fill(Infinity);
    // Ends from cluster + 1 (one run per cluster) to m; each split lies in [cluster, end − 1].
    const stack: number[] = [cluster + 1, m, cluster, m - 1];
    while (stack.length > 0) {
      const highSplit = stack.pop()!;
      const lowSplit = stack.pop()!;
      const highEnd = stack.pop()!;
      const lowEnd = stack.pop()!;
      if (lowEnd > highEnd) continue;
      const end = (lowEnd + highEnd) >>> 1;
      let best = Infinity;
      let bestSplit = lowSplit;
      const last = Math.min(highSplit, end - 1);
      for (let split = lowSplit; split <= last; split++) {
        const candidate = previous[split]! + cost(split, end);
        if (candidate < best) {
          best = candidate;
          bestSplit = split;
        }
      }
      current[end] = best;
      splits[row + end] = bestSplit;
      stack.push(lowEnd, end - 1, lowSplit, bestSplit, end + 1, highEnd, bestSplit, highSplit);
    }
    [previous, current] = [current, previous];
  }
  return splits;
}
