/**
 * The settings of structured pruning and the plan it makes: plain data, so a plan can be shown,
 * checked or stored before it is applied.
 */
import type { Model, ParamFilter } from '@whittle/core';
import type { ChannelGroup } from '@whittle/core/graph';

/** The norms a group's channels can be scored by; the type is derived from this list. */
export const STRUCTURED_NORMS = ['l1', 'l2'] as const;

/** `l1`: the sum of |w|; `l2`: the square root of the sum of w², over every scored entry of the group. */
export type StructuredNorm = (typeof STRUCTURED_NORMS)[number];

/** How channels are ranked; the type is derived from this list. */
export const STRUCTURED_SCOPES = ['group', 'global'] as const;

/**
 * `group`: each group loses `sparsity` of its own channels. `global`: every candidate group's
 * importances are divided by the group's mean, then ranked together, and `sparsity` of all their
 * channels are removed wherever they rank lowest.
 */
export type StructuredScope = (typeof STRUCTURED_SCOPES)[number];

/**
 * A user's importance of each channel of `group` (higher is kept first): one finite number per
 * channel, `group.channels` of them.
 */
export type ChannelImportance = (group: ChannelGroup, model: Model) => ArrayLike<number>;

/**
 * The JSON settings of structured pruning (what a `prune.structured` step holds besides `kind`).
 * The filter fields choose groups by the params that produce their channels: `roles` (default:
 * the weight roles) says which producers count and which params' weights score a channel;
 * `include`/`exclude` must select every counted producer of a group for it to be pruned, so an
 * excluded layer's outputs are never cut (its inputs may be, as the layer before it shrinks).
 */
export interface StructuredSettings extends ParamFilter {
  /** The fraction of channels removed, in [0, 1). */
  readonly sparsity: number;
  /** How a channel's weights are scored (default `l1`). */
  readonly norm?: StructuredNorm;
  /** Ranking per group or across groups (default `group`). */
  readonly scope?: StructuredScope;
  /** Kept channel counts are a multiple of this (default 1); a group smaller than it is kept whole. */
  readonly roundTo?: number;
  /**
   * Layer (node) or param name globs: a group that touches any of them is left alone, so an
   * ignored layer keeps every param whole (its inputs and its outputs).
   */
  readonly ignore?: readonly string[];
}

/** Options of {@link planStructuredPruning} and {@link pruneStructured}: the settings and, in code, an importance function. */
export interface StructuredOptions extends StructuredSettings {
  /** Scores channels instead of `norm` (code only: a function cannot ride in a JSON recipe). */
  readonly importance?: ChannelImportance;
}

/** A group the plan prunes: the channels it keeps, in ascending order. */
export interface PlannedGroup {
  /** The group, as `channelGroups` lists it for the model planned on. */
  readonly group: ChannelGroup;
  /** The channels that stay, in ascending order (at least one, fewer than `group.channels`). */
  readonly keep: readonly number[];
}

/** A group the plan leaves whole, and why, in one line. */
export interface SkippedGroup {
  /** The group, as `channelGroups` lists it. */
  readonly group: ChannelGroup;
  /** Why it stays whole, in one line (`not prunable: "head" is a model output`). */
  readonly reason: string;
}

/**
 * What structured pruning will do: the groups it prunes, the groups it leaves alone (with the
 * reason), and notes about groups it prunes that the user should know about (a caveat of the
 * graph, a group clamped to one channel).
 */
export interface StructuredPlan {
  /** The groups that lose channels, in graph order. */
  readonly pruned: readonly PlannedGroup[];
  /** The groups left whole, by group id. */
  readonly skipped: readonly SkippedGroup[];
  /** One line per thing to know about a pruned group (a caveat, a clamp to one channel). */
  readonly notes: readonly string[];
}
