/**
 * Per-param sparsities by glob (`sparsities: { "dense_1/*": 0.95 }`): reading them from recipe
 * JSON and finding the one a param takes.
 */
import { WhittleError, describeValue, globToRegExp, isWhittleError, type Param, type StepFields, type StepLocation } from '@whittle/core';

/** Most globs one step may list, so a hostile recipe cannot make matching slow. */
export const MAX_SPARSITY_GLOBS = 256;

/** Longest glob accepted, as for core's filter globs. */
const MAX_GLOB_LENGTH = 1000;

/**
 * Reads `step.sparsities`: an object of 1 to {@link MAX_SPARSITY_GLOBS} name globs, each to a
 * sparsity in [0, 1]; a copy with its keys in order. Throws an `invalid-recipe` error naming the
 * step and the entry (`sparsities["dense_1/*"]`).
 *
 * @example
 * ```ts
 * readSparsities({ sparsities: { 'head/*': 0.5 } }, { step: 1 }); // { 'head/*': 0.5 }
 * ```
 */
export function readSparsities(step: StepFields, context: StepLocation): Readonly<Record<string, number>> {
  const value = step.sparsities;
  const fail = (message: string, field: string): never => {
    throw new WhittleError('invalid-recipe', message, { step: context.step, field });
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(`sparsities must be an object of name globs to sparsities, got ${describeValue(value)}`, 'sparsities');
  }
  const globs = Object.keys(value);
  if (globs.length === 0 || globs.length > MAX_SPARSITY_GLOBS) {
    fail(`sparsities must list 1 to ${MAX_SPARSITY_GLOBS} globs, got ${globs.length}`, 'sparsities');
  }
  const result: Record<string, number> = {};
  for (const glob of globs) {
    const field = `sparsities[${JSON.stringify(glob.slice(0, 80))}]`;
    if (glob.length === 0 || glob.length > MAX_GLOB_LENGTH) fail(`expected a glob of 1 to ${MAX_GLOB_LENGTH} characters`, field);
    try {
      globToRegExp(glob);
    } catch (error) {
      if (!isWhittleError(error)) throw error;
      fail(error.detail, field);
    }
    const sparsity = (value as Record<string, unknown>)[glob];
    if (typeof sparsity !== 'number' || !Number.isFinite(sparsity) || sparsity < 0 || sparsity > 1) {
      fail(`${field} must be a finite number in [0, 1], got ${describeValue(sparsity)}`, field);
    }
    Object.defineProperty(result, glob, { value: sparsity, enumerable: true, writable: true, configurable: true });
  }
  return result;
}

/** A compiled {@link readSparsities} result: the sparsity of a param, by name. */
export type SparsityOf = (name: string) => number | undefined;

/**
 * The sparsity a param named `name` takes: that of the first glob in `sparsities` it matches
 * (in the object's key order), else `fallback` (`undefined` when there is none).
 *
 * @example
 * ```ts
 * compileSparsities({ 'head/*': 0.5 }, 0.9)('head/kernel'); // 0.5
 * ```
 */
export function compileSparsities(sparsities: Readonly<Record<string, number>> | undefined, fallback: number | undefined): SparsityOf {
  const rules = Object.entries(sparsities ?? {}).map(([glob, sparsity]) => ({ pattern: globToRegExp(glob), sparsity }));
  return (name) => rules.find(({ pattern }) => pattern.test(name))?.sparsity ?? fallback;
}

/**
 * Throws an `invalid-recipe` error naming the step and the entry when a glob of `sparsities`
 * matches none of `params` (a typo would otherwise leave the params it meant at the default).
 *
 * @example
 * ```ts
 * checkSparsityGlobs({ 'dense_9/*': 0.5 }, selected, { step: 1 }); // throws: matches no param the step selects
 * ```
 */
export function checkSparsityGlobs(sparsities: Readonly<Record<string, number>> | undefined, params: readonly Pick<Param, 'name'>[], context: StepLocation): void {
  for (const glob of Object.keys(sparsities ?? {})) {
    const pattern = globToRegExp(glob);
    if (params.some(({ name }) => pattern.test(name))) continue;
    throw new WhittleError('invalid-recipe', `${JSON.stringify(glob)} matches no param the step selects`, {
      step: context.step,
      field: `sparsities[${JSON.stringify(glob.slice(0, 80))}]`,
    });
  }
}
