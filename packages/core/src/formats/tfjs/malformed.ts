/**
 * The one error TFJS artifact readers throw for bad input: `malformed-file`, naming the file and
 * the field. Internal to the tfjs folder.
 */
import { WhittleError } from '../../errors.ts';

/**
 * Throws a `malformed-file` error naming `file` and `field`.
 *
 * @example
 * ```ts
 * if (!Array.isArray(value)) malformed('weightsManifest must be an array', 'model.json', 'weightsManifest');
 * ```
 */
export function malformed(message: string, file: string, field?: string): never {
  throw new WhittleError('malformed-file', message, field === undefined ? { file } : { file, field });
}

/**
 * Runs `check`, re-raising any WhittleError it throws (an `invalid-tensor` shape, an
 * `invalid-encoding` buffer) as `malformed-file` under `field`, the inner field appended.
 *
 * @example
 * ```ts
 * const size = asMalformed(() => shapeSize(entry.shape, {}), 'model.json', 'weightsManifest[0].weights[1].shape');
 * ```
 */
export function asMalformed<T>(check: () => T, file: string, field: string): T {
  try {
    return check();
  } catch (error) {
    throw toMalformed(error, file, field);
  }
}

/**
 * The malformed-file form of `error` (any other WhittleError, its field appended to `field`), or
 * `error` itself.
 *
 * @example
 * ```ts
 * catch (error) { throw toMalformed(error, 'model.json', 'whittle.params[0].encoding'); }
 * ```
 */
export function toMalformed(error: unknown, file: string, field: string): unknown {
  if (!(error instanceof WhittleError) || error.code === 'malformed-file') return error;
  const inner = error.field === undefined ? field : `${field}.${error.field}`;
  // The inner message already starts with its own field; keep only the part after it.
  const prefix = error.field === undefined ? '' : `${error.field}: `;
  const message = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  return new WhittleError('malformed-file', message, { file, field: inner }, { cause: error });
}
