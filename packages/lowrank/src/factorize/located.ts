/**
 * Errors from deep inside a factorization (a NaN weight found by the SVD) rethrown naming the
 * param and the step, as core's `mapParams` names them.
 */
import { WhittleError, isWhittleError } from '@whittle/core';

/**
 * `work()`, with a WhittleError it throws rethrown as `param "name": detail`, its field under
 * `params["name"]` (a recipe error keeps the step's field).
 *
 * @example
 * ```ts
 * const decomposition = located('dense/kernel', 1, () => svd(values, size));
 * ```
 */
export function located<Result>(name: string, step: number, work: () => Result): Result {
  try {
    return work();
  } catch (error) {
    throw locatedError(error, name, step);
  }
}

/**
 * `error` naming the param `name` and the step, when it is a WhittleError; anything else as it is.
 *
 * @example
 * ```ts
 * throw locatedError(error, 'dense/kernel', 1);
 * ```
 */
export function locatedError(error: unknown, name: string, step: number): unknown {
  if (!isWhittleError(error)) return error;
  const path = `params[${JSON.stringify(name)}]`;
  const field = error.code === 'invalid-recipe' ? error.field : error.field === undefined ? path : `${path}.${error.field}`;
  return new WhittleError(error.code, `param ${JSON.stringify(name)}: ${error.detail}`, { field, step }, { cause: error });
}
