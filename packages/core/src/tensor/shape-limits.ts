/**
 * The limits every shape read from outside (a safetensors header, a TFJS manifest, encoding
 * metadata, an encoder's input) is held to before anything is sized from it. A shape is a few
 * numbers that can claim anything: `[0, 2^53 - 1]` has no elements yet would size per-channel
 * scales from its last dimension, and a million dimensions cost a megabyte to print. Checking the
 * rank first, then each dimension, then the products, keeps every check O(rank) and every later
 * allocation bounded by these numbers.
 */
import { WhittleError, type ErrorLocation } from '../errors.ts';

/** Largest element count whittle accepts for one tensor (2^53 - 1 would overflow typed arrays long before). */
export const MAX_ELEMENTS = 2 ** 32;

/** Most dimensions a shape may have (numpy's limit). */
export const MAX_RANK = 64;

/**
 * Largest product of a shape's non-zero dimensions. An empty tensor (a zero dimension) holds no
 * data, but code that loops or allocates along its other axes sees their full extent, so that
 * extent is held to the same bound as a real tensor's element count.
 */
export const MAX_EXTENT = MAX_ELEMENTS;

/**
 * Checks an untrusted shape against the limits: an array of at most {@link MAX_RANK} non-negative
 * safe integers whose product is at most {@link MAX_ELEMENTS} and whose non-zero dimensions
 * multiply to at most {@link MAX_EXTENT} (so each dimension is at most that too). Returns the
 * element count. Throws an `invalid-tensor` WhittleError at `location` whose message shows only a
 * bounded prefix of the shape.
 *
 * @example
 * ```ts
 * checkShapeLimits([3, 4]); // 12
 * checkShapeLimits([0, 2 ** 40]); // throws: its extent is over the limit
 * ```
 */
export function checkShapeLimits(shape: unknown, location: ErrorLocation = { field: 'shape' }): number {
  if (!Array.isArray(shape)) {
    throw new WhittleError('invalid-tensor', `shape must be an array of integers, got ${describeShapeValue(shape)}`, location);
  }
  if (shape.length > MAX_RANK) {
    throw new WhittleError(
      'invalid-tensor',
      `a shape of ${shape.length} dimensions is over the limit of ${MAX_RANK}`,
      location,
    );
  }
  let extent = 1;
  let empty = false;
  for (let axis = 0; axis < shape.length; axis++) {
    const dimension: unknown = shape[axis];
    if (typeof dimension !== 'number' || !Number.isSafeInteger(dimension) || dimension < 0) {
      throw new WhittleError(
        'invalid-tensor',
        `dimension ${axis} must be a non-negative integer, got ${describeShapeValue(dimension)}`,
        location,
      );
    }
    if (dimension === 0) empty = true;
    else extent *= dimension;
    if (extent > MAX_EXTENT) {
      const message = shape.includes(0)
        ? `shape ${describeShape(shape)} spans more than ${MAX_EXTENT} positions along its non-empty axes`
        : `shape ${describeShape(shape)} has more than ${MAX_ELEMENTS} elements`;
      throw new WhittleError('invalid-tensor', message, location);
    }
  }
  // The extent bounds the element count: MAX_EXTENT is MAX_ELEMENTS.
  return empty ? 0 : extent;
}

/**
 * A shape for a message: `[784, 256]`, or its first dimensions and a count when it is long, so
 * a hostile shape never turns into a huge message.
 *
 * @example
 * ```ts
 * describeShape([784, 256]); // '[784, 256]'
 * describeShape(new Array(1000).fill(1)); // '[1, 1, 1, 1, 1, 1, 1, 1, … (1000 dimensions)]'
 * ```
 */
export function describeShape(shape: readonly unknown[]): string {
  const shown = shape.slice(0, SHOWN_DIMENSIONS).map(describeShapeValue);
  return shape.length <= SHOWN_DIMENSIONS ? `[${shown.join(', ')}]` : `[${shown.join(', ')}, … (${shape.length} dimensions)]`;
}

const SHOWN_DIMENSIONS = 8;

function describeShapeValue(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value);
  if (Array.isArray(value)) return `array(${value.length})`;
  return value === null ? 'null' : typeof value;
}

/**
 * Most per-axis entries (scales, row pointers, channel statistics) an encoder may allocate for a
 * tensor with fewer elements than that. A non-empty tensor never needs more entries than
 * elements; an empty one (`[0, 2^26]`) would otherwise size them from a dimension alone.
 */
export const MAX_ENTRIES_WITHOUT_DATA = 65_536;

/**
 * Checks that `count` per-axis entries for a tensor of `elements` elements stay bounded by the
 * data: at most `max(elements, MAX_ENTRIES_WITHOUT_DATA)`. Encoders call it before allocating
 * anything sized from one axis, so a shape that promises much and holds nothing cannot make them
 * allocate gigabytes. Throws an `invalid-tensor` WhittleError at `location` otherwise.
 *
 * @example
 * ```ts
 * checkEntriesBound(64, 64 * 32); // fine: one scale per output channel
 * checkEntriesBound(2 ** 26, 0, { field: 'shape' }); // throws: 67108864 scales for no data
 * ```
 */
export function checkEntriesBound(count: number, elements: number, location: ErrorLocation = { field: 'shape' }): void {
  if (count > Math.max(elements, MAX_ENTRIES_WITHOUT_DATA)) {
    throw new WhittleError(
      'invalid-tensor',
      `${count} per-axis entries for a tensor of ${elements} elements: its shape promises more than its data holds`,
      location,
    );
  }
}
