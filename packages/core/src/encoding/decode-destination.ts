/**
 * Checks of a caller's output array for decoding: it must be a Float32Array of exactly the
 * element count, and must not share bytes with what is being decoded (a decoder that reads its
 * input while writing its output would otherwise read values it has already overwritten).
 */
import { WhittleError } from '../errors.ts';
import { describeValue } from '../tensor/shape.ts';

/**
 * Returns `destination` when it is a Float32Array of `size` elements; otherwise throws an
 * `invalid-argument` error at field `destination` saying what was given.
 *
 * @example
 * ```ts
 * const values = checkDestination(new Float32Array(6), 6);
 * ```
 */
export function checkDestination(destination: unknown, size: number): Float32Array {
  if (!(destination instanceof Float32Array)) {
    throw new WhittleError('invalid-argument', `destination must be a Float32Array, got ${describeValue(destination)}`, {
      field: 'destination',
    });
  }
  if (destination.length !== size) {
    throw new WhittleError(
      'invalid-argument',
      `destination holds ${destination.length} floats; the tensor has ${size} elements`,
      { field: 'destination' },
    );
  }
  return destination;
}

/**
 * Throws an `invalid-argument` error when `destination` shares any byte with one of `inputs`
 * (`what` names them in the message).
 *
 * @example
 * ```ts
 * checkNoOverlap(values, [encoding.codes, encoding.scales.data], "the encoding's codes or scales");
 * ```
 */
export function checkNoOverlap(destination: Float32Array, inputs: readonly ArrayBufferView[], what: string): void {
  const start = destination.byteOffset;
  const end = start + destination.byteLength;
  for (const input of inputs) {
    if (input.buffer !== destination.buffer || input.byteLength === 0 || destination.byteLength === 0) continue;
    if (input.byteOffset < end && start < input.byteOffset + input.byteLength) {
      throw new WhittleError('invalid-argument', `destination overlaps ${what}`, { field: 'destination' });
    }
  }
}
