/**
 * Typed errors. Every error whittle throws for bad input is a {@link WhittleError} with a stable
 * `code`, and names the thing at fault (`field`, and `file` or `step` where there is one), so
 * callers can branch on `code` and users read one clear line.
 */

/** Stable machine-readable error codes. */
export type WhittleErrorCode =
  | 'invalid-argument'
  | 'invalid-tensor'
  | 'invalid-encoding'
  | 'invalid-model'
  | 'invalid-recipe'
  | 'unknown-kind'
  | 'backend-unavailable'
  | 'malformed-file';

/** Where an error points: the field at fault and, where known, the file or recipe step. */
export interface ErrorLocation {
  /** Dotted path of the offending field, e.g. `granularity.size` or `params[3].shape`. */
  field?: string;
  /** The file being read or written. */
  file?: string;
  /** The recipe step's number, counting from 1 (`step 1` is the first step). */
  step?: number;
}

/**
 * The one error class whittle throws for bad input.
 *
 * @example
 * ```ts
 * try { hostTensor('float32', [2, 2], new Float32Array(3)); }
 * catch (error) { if (error instanceof WhittleError) console.log(error.code, error.field); }
 * ```
 */
export class WhittleError extends Error {
  readonly code: WhittleErrorCode;
  readonly field: string | undefined;
  readonly file: string | undefined;
  readonly step: number | undefined;

  constructor(code: WhittleErrorCode, message: string, location: ErrorLocation = {}, options?: { cause?: unknown }) {
    super(formatMessage(message, location), options);
    this.name = 'WhittleError';
    this.code = code;
    this.field = location.field;
    this.file = location.file;
    this.step = location.step;
  }
}

function formatMessage(message: string, location: ErrorLocation): string {
  const where: string[] = [];
  if (location.file !== undefined) where.push(location.file);
  if (location.step !== undefined) where.push(`step ${location.step}`);
  if (location.field !== undefined) where.push(location.field);
  return where.length === 0 ? message : `${where.join(': ')}: ${message}`;
}

/** True when `value` is a {@link WhittleError} (optionally with the given code). */
export function isWhittleError(value: unknown, code?: WhittleErrorCode): value is WhittleError {
  return value instanceof WhittleError && (code === undefined || value.code === code);
}
