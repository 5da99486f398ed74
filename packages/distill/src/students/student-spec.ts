/**
 * A student named as plain JSON, so the CLI and an architecture search can say which student to
 * build: `{ "width": 0.25, "separable": true, "gru": true, "rank": 16, "multipleOf": 8 }`.
 */
import { WhittleError } from '@whittle/core';
import { MAX_DENSE_RANK } from './low-rank-dense.ts';
import { MAX_WIDTH_MULTIPLE } from './shrink-width.ts';

/** The fields a student spec may hold; the type and the check both come from this list. */
export const STUDENT_SPEC_FIELDS = ['width', 'multipleOf', 'separable', 'gru', 'rank', 'lowRankBudget', 'seed'] as const;

/** The most characters of a spec given as JSON text. */
export const MAX_STUDENT_SPEC_LENGTH = 4096;

/** A student built from a teacher; see {@link buildStudent} for the order the changes apply in. */
export interface StudentSpec {
  /** Scale every hidden width by this, 0 < width ≤ 1 (`shrinkWidth`). */
  readonly width?: number;
  /** Round each scaled width to a multiple of this (needs `width`). */
  readonly multipleOf?: number;
  /** Replace Conv2D layers with kernels over 1×1 by depthwise + pointwise pairs (`separable`). */
  readonly separable?: boolean;
  /** Replace LSTM layers with GRUs of the same width (`gruForLstm`). */
  readonly gru?: boolean;
  /** Factor Dense layers at this rank (`lowRankDense`); not with `lowRankBudget`. */
  readonly rank?: number;
  /** Factor Dense layers within this fraction of their weights, 0 < budget ≤ 1; not with `rank`. */
  readonly lowRankBudget?: number;
  /** Seed of every random initialisation (GRU kernels); default 0. */
  readonly seed?: number;
}

/**
 * Checks a student spec, given as a value or as JSON text, and returns it as a {@link StudentSpec}.
 * Throws an `invalid-argument` WhittleError whose one-line message names the field: unknown
 * fields, wrong types, widths outside (0, 1], ranks that are not positive integers, `rank` with
 * `lowRankBudget`, `multipleOf` without `width`, and a spec that changes nothing are refused.
 *
 * @example
 * ```ts
 * const spec = validateStudentSpec('{ "width": 0.5, "separable": true }');
 * validateStudentSpec({ width: 2 }); // throws: student spec width must be a number in (0, 1], got 2
 * ```
 */
export function validateStudentSpec(json: unknown): StudentSpec {
  const value = typeof json === 'string' ? parseSpec(json) : json;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw specError('a student spec must be an object', 'spec');
  }
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) throw specError('a student spec must be a plain object', 'spec');
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(STUDENT_SPEC_FIELDS as readonly string[]).includes(key)) {
      throw specError(`unknown field ${JSON.stringify(key.slice(0, 40))}; expected ${STUDENT_SPEC_FIELDS.join(', ')}`, `spec.${key.slice(0, 40)}`);
    }
  }
  const spec: Record<string, number | boolean> = {};
  const get = (key: (typeof STUDENT_SPEC_FIELDS)[number]): unknown => (Object.hasOwn(record, key) ? record[key] : undefined);
  const width = get('width');
  if (width !== undefined) spec.width = fraction(width, 'width');
  const multipleOf = get('multipleOf');
  if (multipleOf !== undefined) {
    if (width === undefined) throw specError('multipleOf needs width', 'spec.multipleOf');
    spec.multipleOf = integer(multipleOf, 'multipleOf', 1, MAX_WIDTH_MULTIPLE);
  }
  for (const key of ['separable', 'gru'] as const) {
    const flag = get(key);
    if (flag === undefined) continue;
    if (typeof flag !== 'boolean') throw specError(`${key} must be true or false, got ${describe(flag)}`, `spec.${key}`);
    spec[key] = flag;
  }
  const rank = get('rank');
  const budget = get('lowRankBudget');
  if (rank !== undefined && budget !== undefined) throw specError('give rank or lowRankBudget, not both', 'spec.lowRankBudget');
  if (rank !== undefined) spec.rank = integer(rank, 'rank', 1, MAX_DENSE_RANK);
  if (budget !== undefined) spec.lowRankBudget = fraction(budget, 'lowRankBudget');
  const seed = get('seed');
  if (seed !== undefined) spec.seed = integer(seed, 'seed', 0, 0xffffffff);
  const changes = spec.width !== undefined || spec.separable === true || spec.gru === true || spec.rank !== undefined || spec.lowRankBudget !== undefined;
  if (!changes) throw specError('the spec changes nothing: give width, separable, gru, rank or lowRankBudget', 'spec');
  return spec as StudentSpec;
}

function parseSpec(text: string): unknown {
  if (text.length > MAX_STUDENT_SPEC_LENGTH) throw specError(`a student spec is at most ${MAX_STUDENT_SPEC_LENGTH} characters`, 'spec');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw specError('the student spec is not valid JSON', 'spec');
  }
}

function fraction(value: unknown, key: string): number {
  if (typeof value !== 'number' || !(value > 0 && value <= 1)) throw specError(`${key} must be a number in (0, 1], got ${describe(value)}`, `spec.${key}`);
  return value;
}

function integer(value: unknown, key: string, minimum: number, maximum: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimum || value > maximum) {
    throw specError(`${key} must be an integer from ${minimum} to ${maximum}, got ${describe(value)}`, `spec.${key}`);
  }
  return value;
}

function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 20));
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

function specError(message: string, field: string): WhittleError {
  return new WhittleError('invalid-argument', `student spec: ${message}`, { field });
}
