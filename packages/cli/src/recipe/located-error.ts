import { isWhittleError, WhittleError } from '@whittle/core';

/**
 * `error` with `file` as its location when it is a WhittleError that names no file (a recipe
 * step's error names its step and field but not where the recipe came from), so the CLI's one
 * line reads `whittle: recipe.json: step 2: bits: …`. Other errors come back unchanged.
 *
 * @example
 * ```ts
 * try { validateRecipe(steps); } catch (error) { throw inFile(error, 'recipe.json'); }
 * ```
 */
export function inFile(error: unknown, file: string): unknown {
  if (!isWhittleError(error) || error.file !== undefined) return error;
  const prefix = [error.step === undefined ? undefined : `step ${error.step}`, error.field].filter((part) => part !== undefined).join(': ');
  const message = prefix !== '' && error.message.startsWith(`${prefix}: `) ? error.message.slice(prefix.length + 2) : error.message;
  return new WhittleError(error.code, message, { file, step: error.step, field: error.field }, { cause: error });
}
