/**
 * A tensor seen as [outer, length, inner] around the axis its scales run along, which is all
 * the bulk quantizer loops need to find an element's scale without per-element index maths.
 */
import type { Granularity } from '@whittle/core';

/** The loop bounds of a granularity over a tensor shape. */
export interface AffineLayout {
  /** Product of the dimensions before the axis. */
  readonly outer: number;
  /** The axis's dimension (1 per tensor). */
  readonly length: number;
  /** Product of the dimensions after the axis (the whole tensor per tensor). */
  readonly inner: number;
  /** Consecutive positions along the axis sharing a scale: 1 per axis, `length` per tensor. */
  readonly groupSize: number;
  /** Groups per run of the axis: ceil(length / groupSize). */
  readonly groupCount: number;
  /** Number of scales. */
  readonly slotCount: number;
}

/**
 * The layout of `granularity` (validated, non-negative axis) over `shape`.
 *
 * @example
 * ```ts
 * affineLayout([4, 10], { kind: 'group', axis: 1, size: 4 }); // { outer: 4, length: 10, inner: 1, groupSize: 4, groupCount: 3, slotCount: 12 }
 * ```
 */
export function affineLayout(shape: readonly number[], granularity: Granularity): AffineLayout {
  const size = shape.reduce((product, dimension) => product * dimension, 1);
  if (granularity.kind === 'tensor') {
    return { outer: 1, length: 1, inner: size, groupSize: 1, groupCount: 1, slotCount: 1 };
  }
  const axis = granularity.axis;
  const outer = shape.slice(0, axis).reduce((product, dimension) => product * dimension, 1);
  const length = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((product, dimension) => product * dimension, 1);
  if (granularity.kind === 'axis') {
    return { outer, length, inner, groupSize: 1, groupCount: length, slotCount: length };
  }
  const groupCount = Math.ceil(length / granularity.size);
  return { outer, length, inner, groupSize: granularity.size, groupCount, slotCount: outer * groupCount * inner };
}
