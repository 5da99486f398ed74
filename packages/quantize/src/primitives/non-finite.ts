/**
 * Locating the value that made a quantizer give up, for an error message that points at it.
 */
import { WhittleError } from '@whittle/core';

/**
 * The index of the first NaN or infinite value, or -1.
 *
 * @example
 * ```ts
 * firstNonFinite(new Float32Array([1, NaN])); // 1
 * ```
 */
export function firstNonFinite(values: ArrayLike<number>): number {
  for (let index = 0; index < values.length; index++) {
    if (!Number.isFinite(values[index]!)) return index;
  }
  return -1;
}

/**
 * The `invalid-tensor` error for a tensor holding NaN or an infinity at `index`.
 *
 * @example
 * ```ts
 * throw nonFiniteError(values, firstNonFinite(values));
 * ```
 */
export function nonFiniteError(values: ArrayLike<number>, index: number): WhittleError {
  const value = values[index];
  return new WhittleError(
    'invalid-tensor',
    `element ${index} is ${String(value)}; quantization needs finite values (fix or exclude this tensor)`,
    { field: `data[${index}]` },
  );
}
