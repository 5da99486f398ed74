import { WhittleError } from '../errors.ts';
import { describeValue } from '../tensor/shape.ts';

/**
 * Storage cost in bits per weight: 8 · bytes / params (32 for float32, about 4.25 for int4 with
 * a float16 scale per group of 64). Zero params cost 0 bits per weight.
 *
 * @example
 * ```ts
 * bitsPerWeight(1024, 2048); // 4
 * ```
 */
export function bitsPerWeight(bytes: number, params: number): number {
  for (const [field, value] of [
    ['bytes', bytes],
    ['params', params],
  ] as const) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new WhittleError('invalid-argument', `${field} must be a non-negative number, got ${describeValue(value)}`, {
        field,
      });
    }
  }
  return params === 0 ? 0 : (8 * bytes) / params;
}
