/**
 * What a search must meet: one budget, on bytes, params, latency or the metric's drop.
 */
import { WhittleError } from '../errors.ts';

/** The budgets a search takes, one at a time; the first two are hard (always met or refused). */
export const SEARCH_TARGET_FIELDS = ['maxBytes', 'maxParams', 'maxLatencyMs', 'maxAccuracyDrop'] as const;

/** One of {@link SEARCH_TARGET_FIELDS}. */
export type SearchTargetField = (typeof SEARCH_TARGET_FIELDS)[number];

/**
 * A search's budget: at most this many bytes of params (`maxBytes`), parameters (`maxParams`),
 * milliseconds of a forward pass over the first batch (`maxLatencyMs`), or this much drop of the
 * metric from the original model's (`maxAccuracyDrop`: for accuracy a fraction, 0.01 = one point;
 * it needs data with targets).
 */
export type SearchTarget =
  | { readonly maxBytes: number }
  | { readonly maxParams: number }
  | { readonly maxLatencyMs: number }
  | { readonly maxAccuracyDrop: number };

/**
 * The field and value of `target`, or an `invalid-argument` WhittleError when it names no budget,
 * several, or a value that is not a finite number ≥ 0.
 *
 * @example
 * ```ts
 * readSearchTarget({ maxBytes: 50_000 }); // { field: 'maxBytes', value: 50000 }
 * ```
 */
export function readSearchTarget(target: unknown): { readonly field: SearchTargetField; readonly value: number } {
  if (typeof target !== 'object' || target === null) {
    throw new WhittleError('invalid-argument', `the target must be an object with one of ${SEARCH_TARGET_FIELDS.join(', ')}`, { field: 'target' });
  }
  const given = SEARCH_TARGET_FIELDS.filter((field) => Object.hasOwn(target, field) && (target as Record<string, unknown>)[field] !== undefined);
  if (given.length !== 1) {
    throw new WhittleError('invalid-argument', `give exactly one of ${SEARCH_TARGET_FIELDS.join(', ')}${given.length > 1 ? `, not ${given.join(' and ')}` : ''}`, { field: 'target' });
  }
  const field = given[0]!;
  const value = (target as Record<string, unknown>)[field];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new WhittleError('invalid-argument', `${field} must be a finite number ≥ 0`, { field: `target.${field}` });
  }
  if ((field === 'maxBytes' || field === 'maxParams') && !Number.isSafeInteger(Math.floor(value))) {
    throw new WhittleError('invalid-argument', `${field} must be below 2^53`, { field: `target.${field}` });
  }
  return { field, value };
}
