import { WhittleError } from '../errors.ts';
import { globToRegExp } from '../model/glob.ts';
import { compileNameFilter } from '../model/param-filter.ts';
import type { Param, ParamRole } from '../model/types.ts';
import { defaultRegistry } from './default-registry.ts';
import type { RecipeRegistry } from './registry.ts';
import type { ParamFilter, RecipeStep } from './types.ts';

/** A param as a filter sees it: its name and role (a checkpoint's header is enough). */
export type FilterTarget = Pick<Param, 'name' | 'role'>;

/** How many names an error shows, so that the user sees how params are spelled. */
const SAMPLE_NAMES = 3;

/**
 * Checks that a step's filter selects something among `params`: every `include` glob matches
 * some param's name, every `exclude` glob matches some param's name, and at least one param
 * passes the whole filter (with `defaultRoles` when the filter names no `roles`). A filter that
 * selects nothing is nearly always a typo, and would otherwise give a silent no-op. Returns how
 * many params the filter selects.
 *
 * Throws an `invalid-recipe` WhittleError naming `step` (counted from 1) and the glob's field.
 *
 * @example
 * ```ts
 * checkStepSelection(model.params.values(), { include: ['encoder/**'] }, WEIGHT_ROLES, 1);
 * // throws "step 1: include[0]: "encoder/**" matches no param (names look like "dense/kernel", …)"
 * ```
 */
export function checkStepSelection(
  params: Iterable<FilterTarget>,
  filter: ParamFilter,
  defaultRoles: readonly ParamRole[],
  step: number,
): number {
  const targets = [...params];
  const include = filter.include?.map((glob) => ({ glob, pattern: globToRegExp(glob) }));
  const exclude = (filter.exclude ?? []).map((glob) => ({ glob, pattern: globToRegExp(glob) }));
  for (const [field, globs] of [['include', include ?? []], ['exclude', exclude]] as const) {
    globs.forEach(({ glob, pattern }, index) => {
      if (targets.some(({ name }) => pattern.test(name))) return;
      throw new WhittleError('invalid-recipe', `${JSON.stringify(glob)} matches no param${namesHint(targets)}`, {
        step,
        field: `${field}[${index}]`,
      });
    });
  }
  const nameSelected = compileNameFilter(filter);
  const byName = targets.filter(({ name }) => nameSelected(name));
  if (targets.length > 0 && byName.length === 0) {
    throw new WhittleError('invalid-recipe', 'exclude leaves no param that include selects', { step, field: 'exclude' });
  }
  const roles = filter.roles ?? defaultRoles;
  const selected = byName.filter(({ role }) => roles.includes(role)).length;
  if (selected === 0) {
    const scope = include === undefined && exclude.length === 0 ? "the model's params" : 'the params its globs select';
    const found = [...new Set(byName.map(({ role }) => role))];
    const roleText = `${filter.roles === undefined ? 'a default role' : 'a role in roles'} (${roles.join(', ') || 'none'})`;
    throw new WhittleError(
      'invalid-recipe',
      found.length === 0
        ? 'the step selects no param: the model has no params'
        : `the step selects no param: none of ${scope} has ${roleText}; their roles are ${found.join(', ')}`,
      { step, field: 'roles' },
    );
  }
  return selected;
}

/**
 * Checks every step of a validated recipe against one list of params with
 * {@link checkStepSelection} (steps whose handler sets no `defaultRoles` are skipped). For a
 * recipe of per-param steps, which neither rename, add, drop nor re-role params, this is the
 * whole-model check that a checkpoint streamed one param at a time needs before it starts.
 *
 * @example
 * ```ts
 * const names = [...file.header.params.keys()];
 * checkRecipeSelection(validateRecipe(steps), names.map((name) => ({ name, role: roles.get(name)! })));
 * ```
 */
export function checkRecipeSelection(
  recipe: readonly RecipeStep[],
  params: Iterable<FilterTarget>,
  registry: RecipeRegistry = defaultRegistry,
): void {
  const targets = [...params];
  recipe.forEach((step, index) => {
    const defaultRoles = registry.get(step.kind)?.defaultRoles;
    if (defaultRoles !== undefined) checkStepSelection(targets, stepFilter(step), defaultRoles, index + 1);
  });
}

/**
 * The {@link ParamFilter} fields of a validated step (handlers that set `defaultRoles` read them
 * with `readFilter`, so they are arrays when present).
 *
 * @example
 * ```ts
 * stepFilter({ kind: 'cast', dtype: 'float16', include: ['dense*'] }); // { include: ['dense*'] }
 * ```
 */
export function stepFilter(step: RecipeStep): ParamFilter {
  const filter: { include?: readonly string[]; exclude?: readonly string[]; roles?: readonly ParamRole[] } = {};
  if (Array.isArray(step.include)) filter.include = step.include as readonly string[];
  if (Array.isArray(step.exclude)) filter.exclude = step.exclude as readonly string[];
  if (Array.isArray(step.roles)) filter.roles = step.roles as readonly ParamRole[];
  return filter;
}

function namesHint(targets: readonly FilterTarget[]): string {
  if (targets.length === 0) return ' (the model has no params)';
  const sample = targets.slice(0, SAMPLE_NAMES).map(({ name }) => JSON.stringify(name));
  return ` (names look like ${sample.join(', ')}${targets.length > SAMPLE_NAMES ? ', …' : ''})`;
}
