import type { ParamFilter } from '../recipe/types.ts';
import { globToRegExp } from './glob.ts';
import type { Model, Param, ParamRole } from './types.ts';

/** A compiled {@link ParamFilter}: true for the params it selects. */
export type ParamPredicate = (param: Param) => boolean;

/**
 * Compiles a filter once, for testing many params: a param is selected when its name matches
 * any `include` glob (every name when `include` is absent), matches no `exclude` glob, and has a
 * role in `filter.roles` (in `defaultRoles` when the filter names none).
 *
 * @example
 * ```ts
 * const selected = compileFilter({ exclude: ['head/**'] }, WEIGHT_ROLES);
 * selected(getParam(model, 'dense/kernel')); // true
 * ```
 */
export function compileFilter(filter: ParamFilter, defaultRoles: readonly ParamRole[]): ParamPredicate {
  const byName = compileNameFilter(filter);
  const roles: ReadonlySet<ParamRole> = new Set(filter.roles ?? defaultRoles);
  return (param) => roles.has(param.role) && byName(param.name);
}

/**
 * The name half of a {@link ParamFilter}, compiled once: true for a name that matches any
 * `include` glob (every name when `include` is absent) and no `exclude` glob.
 *
 * @example
 * ```ts
 * compileNameFilter({ include: ['encoder/**'], exclude: ['encoder/norm/*'] })('encoder/dense/kernel'); // true
 * ```
 */
export function compileNameFilter(filter: Pick<ParamFilter, 'include' | 'exclude'>): (name: string) => boolean {
  const include = filter.include?.map(globToRegExp);
  const exclude = (filter.exclude ?? []).map(globToRegExp);
  return (name) => (include === undefined || include.some((pattern) => pattern.test(name))) && !exclude.some((pattern) => pattern.test(name));
}

/**
 * True when `filter` selects `param` (see {@link compileFilter}; prefer it for many params).
 *
 * @example
 * ```ts
 * matchesFilter(param, { include: ['encoder/**'], roles: ['bias'] }, WEIGHT_ROLES);
 * ```
 */
export function matchesFilter(param: Param, filter: ParamFilter, defaultRoles: readonly ParamRole[]): boolean {
  return compileFilter(filter, defaultRoles)(param);
}

/**
 * The params of `model` that `filter` selects, in model order.
 *
 * @example
 * ```ts
 * const kernels = selectParams(model, {}, WEIGHT_ROLES).map((param) => param.name);
 * ```
 */
export function selectParams(model: Model, filter: ParamFilter, defaultRoles: readonly ParamRole[]): Param[] {
  const selected = compileFilter(filter, defaultRoles);
  return [...model.params.values()].filter(selected);
}
