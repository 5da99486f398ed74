/**
 * Planning structured pruning: which channels of each coupling group stay, chosen by importance,
 * and which groups are left whole and why. Reads the model; changes nothing.
 */
import { WEIGHT_ROLES, WhittleError, describeValue, isWhittleError, type Model, type StepLocation } from '@whittle/core';
import { channelGroups, readModelGraph, type ChannelGroup } from '@whittle/core/graph';
import { pruneLowest, pruneLowestAcross } from '../masks/prune-lowest.ts';
import { AxisSums, groupImportanceFrom } from './group-importance.ts';
import { groupLabel, groupSelector } from './group-selection.ts';
import { keptChannelCount, roundKeptCount } from './kept-channel-count.ts';
import { readStructuredOptions } from './read-structured-options.ts';
import type { PlannedGroup, SkippedGroup, StructuredOptions, StructuredPlan } from './structured-options.ts';

/**
 * Plans structured pruning of `model` (a `tfjs-layers` or `tfjs-graph` model with its topology):
 * reads its graph's channel-coupling groups, leaves alone the groups that are not prunable,
 * ignored, outside the filter or of one channel (see `groupSelector`), scores each remaining
 * group's channels (the `norm` of every weight a channel owns in the group's params with a role
 * in `roles`, or the user's `importance`), and keeps the most important
 * `keptChannelCount(channels, sparsity, roundTo)` of each (`scope: 'group'`), or ranks all
 * channels together after dividing each group's scores by their mean and removes
 * `floor(total × sparsity)` of them wherever they rank lowest, keeping at least one channel per
 * group and rounding each group's count up to a multiple of `roundTo` (`scope: 'global'`). Ties
 * remove the lower channel first. Groups whose count stays whole are listed as skipped.
 *
 * Throws `invalid-recipe` for bad options, `invalid-model` naming `topology` for a model without
 * one (weights only), and `invalid-argument` naming `importance` when the user's function does
 * not give one finite score per channel. `context` puts the recipe step in those messages.
 *
 * @example
 * ```ts
 * const plan = planStructuredPruning(model, { sparsity: 0.5, roundTo: 8 });
 * plan.pruned.map(({ group, keep }) => `${group.channels} → ${keep.length}`); // ['64 → 32', …]
 * plan.skipped.map(({ reason }) => reason); // ['not prunable: "head" is a model output']
 * ```
 */
export function planStructuredPruning(model: Model, options: StructuredOptions, context?: StepLocation): StructuredPlan {
  const settings = readStructuredOptions(options, context);
  const groups = readGroups(model, context);
  const whyLeftAlone = groupSelector(model, settings);
  const skipped: SkippedGroup[] = [];
  const candidates: ChannelGroup[] = [];
  for (const group of groups) {
    const reason = whyLeftAlone(group);
    if (reason === undefined) candidates.push(group);
    else skipped.push({ group, reason });
  }
  const roles = new Set(settings.roles ?? WEIGHT_ROLES);
  const sums = new AxisSums();
  const scores = candidates.map((group) =>
    settings.importance === undefined
      ? normScores(
          groupImportanceFrom(sums, model, group, settings.norm, (param) => roles.has(param.role)),
          group,
          context
        )
      : userScores(settings.importance, group, model, context)
  );
  const notes: string[] = [];
  const keptCounts =
    settings.scope === 'group'
      ? candidates.map((group) => keptChannelCount(group.channels, settings.sparsity, settings.roundTo))
      : globalKeptCounts(candidates, scores, settings.sparsity, settings.roundTo, notes);
  const pruned: PlannedGroup[] = [];
  candidates.forEach((group, index) => {
    const kept = keptCounts[index]!;
    if (kept >= group.channels) {
      skipped.push({
        group,
        reason: `keeps all ${group.channels} channels at sparsity ${settings.sparsity} and roundTo ${settings.roundTo}`,
      });
      return;
    }
    const mask = pruneLowest(Float32Array.from(scores[index]!), group.channels - kept);
    const keep: number[] = [];
    mask.forEach((bit, channel) => {
      if (bit === 1) keep.push(channel);
    });
    pruned.push({ group, keep });
    for (const caveat of group.caveats) notes.push(`${groupLabel(group)} pruned although ${caveat}: other channels' values change`);
  });
  skipped.sort((left, right) => left.group.id - right.group.id);
  return { pruned, skipped, notes };
}

/**
 * The channel groups of `model`'s graph, or the typed error structured pruning gives for a model
 * that is not one or has no topology, with the step in its location.
 *
 * @example
 * ```ts
 * const groups = readGroups(model, { step: 2 });
 * ```
 */
export function readGroups(model: Model, context: StepLocation | undefined): readonly ChannelGroup[] {
  if (typeof model !== 'object' || model === null || !(model.params instanceof Map)) {
    throw new WhittleError('invalid-argument', `expected a whittle Model, got ${describeValue(model)}`, {
      field: 'model',
      step: context?.step,
    });
  }
  if (model.topology === null || model.topology === undefined) {
    throw new WhittleError(
      'invalid-model',
      `structured pruning needs the model's topology to find its layers, and this ${model.format} model holds weights only`,
      { field: 'topology', step: context?.step }
    );
  }
  try {
    return channelGroups(readModelGraph(model), model);
  } catch (error) {
    if (!isWhittleError(error) || error.step !== undefined || context === undefined) throw error;
    throw new WhittleError(
      error.code,
      error.detail,
      { ...(error.field === undefined ? {} : { field: error.field }), step: context.step },
      { cause: error }
    );
  }
}

/** Norm scores, refused when a weight made one NaN or infinite (ranking would be meaningless). */
function normScores(scores: Float64Array, group: ChannelGroup, context: StepLocation | undefined): Float64Array {
  const channel = scores.findIndex((score) => !Number.isFinite(score));
  if (channel >= 0) {
    throw new WhittleError(
      'invalid-tensor',
      `${groupLabel(group)}: channel ${channel} scores ${scores[channel]}: its weights hold NaN or infinity`,
      { field: 'params', step: context?.step }
    );
  }
  return scores;
}

/** The user's scores for `group`, checked: one finite number per channel. */
function userScores(
  importance: NonNullable<StructuredOptions['importance']>,
  group: ChannelGroup,
  model: Model,
  context: StepLocation | undefined
): Float64Array {
  const fail = (message: string): never => {
    throw new WhittleError('invalid-argument', `${groupLabel(group)}: ${message}`, {
      field: 'importance',
      step: context?.step,
    });
  };
  const scores = importance(group, model);
  const length = (scores as { length?: unknown } | null | undefined)?.length;
  if (typeof length !== 'number' || length !== group.channels)
    fail(`importance must give ${group.channels} scores, one per channel; got ${describeValue(scores)}`);
  const checked = new Float64Array(group.channels);
  for (let channel = 0; channel < group.channels; channel++) {
    const score = scores[channel];
    if (typeof score !== 'number' || !Number.isFinite(score))
      fail(`importance gave ${describeValue(score)} for channel ${channel}, not a finite number`);
    checked[channel] = score as number;
  }
  return checked;
}

/**
 * Kept counts when every candidate channel is ranked together: each group's scores divided by
 * their mean magnitude (so a wide layer's large sums do not outrank a narrow one's), `floor(total ×
 * sparsity)` lowest removed, then at least one and a multiple of `roundTo` kept per group.
 */
function globalKeptCounts(
  groups: readonly ChannelGroup[],
  scores: readonly Float64Array[],
  sparsity: number,
  roundTo: number,
  notes: string[]
): number[] {
  const normalised = scores.map((group) => {
    const mean = group.reduce((sum, score) => sum + Math.abs(score), 0) / Math.max(1, group.length);
    return Float32Array.from(group, (score) => (mean > 0 ? score / mean : 0));
  });
  const total = normalised.reduce((sum, group) => sum + group.length, 0);
  const masks = pruneLowestAcross(normalised, Math.floor(total * sparsity));
  return groups.map((group, index) => {
    const kept = masks[index]!.reduce((sum, bit) => sum + bit, 0);
    if (kept === 0) notes.push(`${groupLabel(group)}: every channel ranked among the lowest; its most important one is kept`);
    return roundKeptCount(kept, group.channels, roundTo);
  });
}
