import { WhittleError, type ErrorLocation } from '../errors.ts';

/** Largest element count whittle accepts for one tensor (2^53 - 1 would overflow typed arrays long before). */
export const MAX_ELEMENTS = 2 ** 32;

/**
 * Validates a shape (non-negative safe integers, product within {@link MAX_ELEMENTS}) and returns
 * its element count. Throws a typed error naming `location.field` otherwise.
 *
 * @example
 * ```ts
 * shapeSize([3, 4]); // 12
 * ```
 */
export function shapeSize(shape: unknown, location: ErrorLocation = { field: 'shape' }): number {
  if (!Array.isArray(shape)) {
    throw new WhittleError('invalid-tensor', `shape must be an array of integers, got ${describe(shape)}`, location);
  }
  let size = 1;
  for (let axis = 0; axis < shape.length; axis++) {
    const dimension: unknown = shape[axis];
    if (typeof dimension !== 'number' || !Number.isSafeInteger(dimension) || dimension < 0) {
      throw new WhittleError(
        'invalid-tensor',
        `dimension ${axis} must be a non-negative integer, got ${describe(dimension)}`,
        location,
      );
    }
    size *= dimension;
    if (size > MAX_ELEMENTS) {
      throw new WhittleError(
        'invalid-tensor',
        `shape [${shape.join(', ')}] has more than ${MAX_ELEMENTS} elements`,
        location,
      );
    }
  }
  return size;
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
    throw new WhittleError('invalid-argument', `axis ${describe(axis)} is out of range for rank ${rank}`, { field });
  }
  return axis < 0 ? axis + rank : axis;
}

/** True when both shapes have the same rank and dimensions. */
export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((dimension, axis) => dimension === b[axis]);
}

/** A short, safe description of an arbitrary value for error messages. */
export function describe(value: unknown): string {
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
