import { WhittleError, type ErrorLocation } from '../errors.ts';
import { checkShapeLimits } from './shape-limits.ts';

export { MAX_ELEMENTS } from './shape-limits.ts';

/**
 * Validates a shape against whittle's limits (see `checkShapeLimits`: rank, non-negative safe
 * integers, element count and extent) and returns its element count. Throws a typed error naming
 * `location.field` otherwise.
 *
 * @example
 * ```ts
 * shapeSize([3, 4]); // 12
 * ```
 */
export function shapeSize(shape: unknown, location: ErrorLocation = { field: 'shape' }): number {
  return checkShapeLimits(shape, location);
}

/** Row-major strides of `shape`, in elements. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    strides[axis] = stride;
    stride *= shape[axis]!;
  }
  return strides;
}

/** Normalises a possibly negative axis against `rank`, or throws naming `field`. */
export function normalizeAxis(axis: number, rank: number, field = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new WhittleError('invalid-argument', `axis ${describeValue(axis)} is out of range for rank ${rank}`, { field });
  }
  return axis < 0 ? axis + rank : axis;
}

/** True when both shapes have the same rank and dimensions. */
export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((dimension, axis) => dimension === b[axis]);
}

/** A short, safe description of an arbitrary value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `array(${value.length})`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as Uint8Array).length ?? value.byteLength})`;
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return String(value);
    default:
      return typeof value;
  }
}
