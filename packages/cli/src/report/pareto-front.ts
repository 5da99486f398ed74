/**
 * The Pareto front of a size–accuracy trade-off: the points no other point beats on both counts.
 */

/** A point of a trade-off: fewer bytes is better, more accuracy is better. */
export interface TradeOff {
  readonly bytes: number;
  readonly accuracy: number;
}

/**
 * The points of `points` that no other point dominates (as small or smaller and as accurate or
 * more, one of them strictly), in order of bytes. Of identical points one is kept. Drawn as a
 * step line (`step-after`), the front is the best accuracy reached within each byte budget.
 * Points whose figures are not finite take no part.
 *
 * @example
 * ```ts
 * paretoFront([{ bytes: 10, accuracy: 90 }, { bytes: 20, accuracy: 85 }, { bytes: 30, accuracy: 95 }]);
 * // [{ bytes: 10, accuracy: 90 }, { bytes: 30, accuracy: 95 }]
 * ```
 */
export function paretoFront<Point extends TradeOff>(points: readonly Point[]): Point[] {
  const finite = points.filter((point) => Number.isFinite(point.bytes) && Number.isFinite(point.accuracy));
  // Smallest first, and among equal sizes the most accurate first, so one pass keeps the front.
  const sorted = [...finite].sort((left, right) => left.bytes - right.bytes || right.accuracy - left.accuracy);
  const front: Point[] = [];
  for (const point of sorted) {
    const best = front.at(-1);
    if (best === undefined || point.accuracy > best.accuracy) front.push(point);
  }
  return front;
}
