/**
 * `prune.structured`: removes whole Dense units and Conv2D / SeparableConv2D filters, a coupling
 * group at a time, so the model gets smaller and faster, not just sparser.
 */
import { WEIGHT_ROLES, copyFilter, type RecipeHandler, type RecipeStep } from '@whittle/core';
import { estimateStructured } from './estimate-structured.ts';
import { pruneStructured } from './prune-structured.ts';
import { groupLabel } from './group-selection.ts';
import { readStructuredOptions } from './read-structured-options.ts';
import type { StructuredOptions } from './structured-options.ts';

/** A `prune.structured` step. */
export interface StructuredStep extends RecipeStep, StructuredOptions {
  /** The recipe kind. */
  readonly kind: 'prune.structured';
}

/**
 * A `prune.structured` step: plain JSON data unless `importance` (a function, for code only) is given.
 *
 * @example
 * ```ts
 * const { model: smaller, steps } = await compress(model, [structured({ sparsity: 0.5, roundTo: 8, ignore: ['head'] })]);
 * steps[0]?.notes; // the groups it left alone, and why
 * ```
 */
export function structured(options: StructuredOptions): StructuredStep {
  const { sparsity, norm, scope, roundTo, ignore, importance } = options;
  return {
    kind: 'prune.structured',
    sparsity,
    ...(norm === undefined ? {} : { norm }),
    ...(scope === undefined ? {} : { scope }),
    ...(roundTo === undefined ? {} : { roundTo }),
    ...(ignore === undefined ? {} : { ignore: [...ignore] }),
    ...(importance === undefined ? {} : { importance }),
    ...copyFilter(options),
  };
}

/** The handler for `prune.structured` steps. */
export const structuredHandler: RecipeHandler<StructuredStep> = {
  kind: 'prune.structured',
  description: 'structured pruning: removes whole Dense units and conv filters, a channel-coupling group at a time',
  example: { kind: 'prune.structured', sparsity: 0.5, norm: 'l1', roundTo: 8 },
  effect: 'reshapes-params',
  defaultRoles: WEIGHT_ROLES,
  validate(step, context) {
    return { ...readStructuredOptions(step, context), kind: 'prune.structured' };
  },
  estimate: (model, config, context) => estimateStructured(model, config, context),
  apply(model, config, context) {
    const { model: pruned, plan } = pruneStructured(model, config, context);
    for (const { group, reason } of plan.skipped) context.note?.(`${groupLabel(group)} left whole: ${reason}`);
    for (const note of plan.notes) context.note?.(note);
    return pruned;
  },
};
