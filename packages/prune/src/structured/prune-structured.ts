/**
 * Structured pruning applied: the channels a plan removes cut out of every param of their group
 * by core's graph rewrite, giving a smaller model that stock tfjs loads.
 */
import { WhittleError, type Model, type StepLocation } from '@whittle/core';
import { rewriteModel, type ChannelGroup, type ModelRewrite } from '@whittle/core/graph';
import { groupLabel } from './group-selection.ts';
import { planStructuredPruning } from './plan-structured-pruning.ts';
import type { StructuredOptions, StructuredPlan } from './structured-options.ts';

/** What {@link pruneStructured} returns: the smaller model and the plan it carried out. */
export interface StructuredResult {
  /** The pruned model (the input itself when the plan prunes nothing). */
  readonly model: Model;
  /** What was pruned and what was left whole, and why. */
  readonly plan: StructuredPlan;
}

/**
 * Prunes `model` structurally: plans with {@link planStructuredPruning}, then removes the
 * channels each planned group drops from every param axis the group lists (producers' outputs
 * and biases, norms and depthwise channels, every consumer's inputs through Add, Concatenate and
 * Flatten), updating each layer's `units` or `filters`. The input model is left as it is; a plan
 * that prunes nothing returns it unchanged. Throws as `planStructuredPruning` does.
 *
 * @example
 * ```ts
 * const { model: smaller, plan } = pruneStructured(model, { sparsity: 0.5, roundTo: 8 });
 * const layers = await tf.loadLayersModel(whittleIOHandler(smaller)); // runs in stock tfjs
 * ```
 */
export function pruneStructured(model: Model, options: StructuredOptions, context?: StepLocation): StructuredResult {
  const plan = planStructuredPruning(model, options, context);
  return { model: applyStructuredPlan(model, plan), plan };
}

/**
 * `model` with every group of `plan` cut down to the channels it keeps. Groups that share a
 * param axis (two Concatenate inputs feeding one kernel) shift each other's indices, so a group
 * that shares one with a group already cut is looked up again in the rewritten graph.
 *
 * @example
 * ```ts
 * const smaller = applyStructuredPlan(model, planStructuredPruning(model, { sparsity: 0.25 }));
 * ```
 */
export function applyStructuredPlan(model: Model, plan: StructuredPlan): Model {
  if (plan.pruned.length === 0) return model;
  let rewrite: ModelRewrite = rewriteModel(model);
  const cut = new Set<string>();
  for (const { group, keep } of plan.pruned) {
    const axes = group.entries.map((entry) => `${entry.param}\u0000${entry.axis}`);
    const current = axes.some((axis) => cut.has(axis)) ? sameGroup(rewrite, group) : group;
    rewrite = rewrite.sliceChannels(current, keep);
    for (const axis of axes) cut.add(axis);
  }
  return rewrite.build();
}

/** `group` as the rewritten graph numbers it: the one group with the same entries. */
function sameGroup(rewrite: ModelRewrite, group: ChannelGroup): ChannelGroup {
  const key = groupKey(group);
  const found = rewrite.groups().find((candidate) => groupKey(candidate) === key);
  // Slicing changes sizes only, never which channels couple, so the group is always found.
  if (found === undefined || found.channels !== group.channels) {
    throw new WhittleError('invalid-model', `${groupLabel(group)} is gone after pruning the groups before it`, {
      field: 'topology',
    });
  }
  return found;
}

function groupKey(group: ChannelGroup): string {
  return group.entries
    .map((entry) => `${entry.node}\u0000${entry.param}\u0000${entry.axis}\u0000${entry.effect}`)
    .sort()
    .join('\u0001');
}
