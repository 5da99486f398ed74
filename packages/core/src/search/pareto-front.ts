/**
 * The Pareto front of evaluated candidates: those no other candidate beats on size and loss at
 * once.
 */

/** A point to rank: smaller is better on both axes. */
export interface ParetoPoint {
  /** The size. */
  readonly bytes: number;
  /** What it loses. */
  readonly loss: number;
}

/**
 * For each point, whether it is on the Pareto front: no other point has bytes ≤ and loss ≤ with
 * one of them strictly smaller. Equal points are all on the front.
 *
 * @example
 * ```ts
 * paretoFlags([{ bytes: 10, loss: 0 }, { bytes: 5, loss: 0.1 }, { bytes: 8, loss: 0.2 }]); // [true, true, false]
 * ```
 */
export function paretoFlags(points: readonly ParetoPoint[]): boolean[] {
  const order = points.map((_, index) => index).sort((left, right) => points[left]!.bytes - points[right]!.bytes || points[left]!.loss - points[right]!.loss);
  const flags = new Array<boolean>(points.length).fill(false);
  let bestLoss = Number.POSITIVE_INFINITY;
  let bestBytes = Number.NaN;
  for (const index of order) {
    const { bytes, loss } = points[index]!;
    if (loss < bestLoss || (loss === bestLoss && bytes === bestBytes)) {
      flags[index] = true;
      if (loss < bestLoss) bestBytes = bytes;
      bestLoss = loss;
    }
  }
  return flags;
}
