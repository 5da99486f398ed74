/**
 * How a node moves channels, as the channel analysis needs it. Each format's op table turns a
 * node into one of these; the analysis itself knows no op names.
 */

/** A tensor's rank after the node, from its (first) input's rank; null where unknown. */
export type RankRule = (inputRank: number | null) => number | null;

/** How a node moves channels; see each kind. */
export type ChannelRule =
  /** A model input: `channels` along its last axis (null where the shape does not say). */
  | { readonly kind: 'input'; readonly channels: number | null; readonly rank: number | null }
  /**
   * New output channels, counted by its params' output axes; its params' input axes read the
   * channels of data input 0. `mixes` names why its outputs depend on every channel (softmax):
   * such output channels cannot be removed. `countAttribute` holds the channel count
   * (`units`, `filters`). `readsInput: false` for a node whose input is not a channel axis
   * (Embedding's token ids).
   */
  | {
      readonly kind: 'source';
      readonly rank: RankRule;
      readonly mixes?: string;
      readonly countAttribute?: string;
      readonly readsInput?: boolean;
    }
  /**
   * Channels of data input 0 carried through (each repeated `expand` times, contiguously, for
   * a depthwise multiplier); its params are per-channel. `caveat` says why other channels'
   * values depend on every channel (LayerNormalization) although the slice is structurally sound.
   */
  | {
      readonly kind: 'pass';
      readonly rank: RankRule;
      readonly expand?: number;
      readonly caveat?: string;
      /** The axis a norm acts on, as its config gives it: only the last (-1 or rank - 1) is understood. */
      readonly normAxis?: unknown;
    }
  /** Element-wise merge of every data input: channel c of each input is one channel. */
  | { readonly kind: 'merge' }
  /** Concatenation along `axis` (negative counts from the end). */
  | { readonly kind: 'concat'; readonly axis: number }
  /**
   * Channels-last flatten: channel c lands at every `position * channels + c`. `shape` names the
   * constant param holding the target shape (a GraphDef Reshape to `[-1, size]`), whose entry at
   * `position` counts the flattened channels and shrinks with them.
   */
  | {
      readonly kind: 'flatten';
      readonly shape?: { readonly param: string; readonly position: number; readonly size: number };
    }
  /** A constant holding a param; no data flows from it through channels. */
  | { readonly kind: 'constant' }
  /** Not understood: every channel flowing in is frozen, and what flows out is unknown. */
  | { readonly kind: 'opaque'; readonly reason: string };

/** The rank of the input, kept (an activation, a Dense on any rank). */
export const sameRank: RankRule = (rank) => rank;
/**
 * A rank that does not depend on the input (a flatten gives 2).
 *
 * @example
 * ```ts
 * fixedRank(2)(4); // 2
 * ```
 */
export const fixedRank =
  (value: number): RankRule =>
  () =>
    value;
/**
 * The input's rank plus `delta` (an Embedding adds an axis).
 *
 * @example
 * ```ts
 * plusRank(1)(2); // 3
 * ```
 */
export const plusRank =
  (delta: number): RankRule =>
  (rank) =>
    rank === null ? null : rank + delta;

/** Element-wise activations: each output channel depends on its own input channel only. */
export const ELEMENTWISE_ACTIVATIONS: ReadonlySet<string> = new Set([
  'linear',
  'relu',
  'relu6',
  'elu',
  'selu',
  'sigmoid',
  'hard_sigmoid',
  'hardSigmoid',
  'tanh',
  'softplus',
  'softsign',
  'swish',
  'gelu',
  'gelu_new',
  'mish',
  'exponential',
]);
