/** The one error the safetensors reader throws for a bad file: `malformed-file`, naming file and field. */
import { WhittleError, locateError } from '../../errors.ts';
import { shapeSize } from '../../tensor/shape.ts';

/**
 * Throws a `malformed-file` WhittleError naming `file` and `field`.
 *
 * @example
 * ```ts
 * malformed('model.safetensors', 'header["w"].shape', 'dimension 0 must be a non-negative integer');
 * ```
 */
export function malformed(file: string, field: string | undefined, message: string, cause?: unknown): never {
  const location = field === undefined ? { file } : { file, field };
  throw new WhittleError('malformed-file', message, location, cause === undefined ? undefined : { cause });
}

/**
 * Re-reports a WhittleError of another code (an `invalid-encoding` from `assembleEncoding`, an
 * `invalid-tensor` from `shapeSize` or `hostTensor`) as `malformed-file` in `file`, its field
 * under `prefix`; anything else is returned as it is.
 *
 * @example
 * ```ts
 * try { assembleEncoding(metadata, buffers); } catch (error) { throw asMalformed(error, file, 'header'); }
 * ```
 */
export function asMalformed(error: unknown, file: string, prefix?: string): unknown {
  if (!(error instanceof WhittleError) || error.code === 'malformed-file') return error;
  return locateError(error, prefix === undefined || prefix === '' ? { file } : { file, field: prefix }, 'malformed-file');
}

/**
 * The element count of an untrusted shape (core's `shapeSize`: see `checkShapeLimits`), or a
 * `malformed-file` error at `field` (a function when building the path costs more than the check).
 *
 * @example
 * ```ts
 * checkedShapeSize([2, 3], 'model.safetensors', 'header["w"].shape'); // 6
 * ```
 */
export function checkedShapeSize(shape: unknown, file: string, field: string | (() => string)): number {
  try {
    return shapeSize(shape, {});
  } catch (error) {
    throw asMalformed(error, file, typeof field === 'string' ? field : field());
  }
}
