/**
 * Narrower students: every hidden width of the teacher scaled down, the kept channels sliced
 * from the teacher's weights (the largest by L2 norm), through core's channel groups.
 */
import { WhittleError, type Model } from '@whittle/core';
import { rewriteModel, type ChannelGroup, type ModelRewrite } from '@whittle/core/graph';
import { channelNorms } from './channel-norms.ts';
import { checkTeacher } from './teacher-model.ts';

/** The largest `multipleOf` accepted: wider rounding than this is no longer rounding. */
export const MAX_WIDTH_MULTIPLE = 4096;

/** Options of {@link shrinkWidth}. */
export interface ShrinkWidthOptions {
  /** Each hidden width becomes round(width × factor), 0 < factor ≤ 1. */
  readonly factor: number;
  /** Round each new width to a multiple of this (4 or 8 suit SIMD kernels); never above the teacher's width. */
  readonly multipleOf?: number;
}

/**
 * The student `teacher` becomes when every hidden width (Dense units, Conv2D filters, LSTM and
 * GRU units: every prunable channel group of core's graph) is scaled by `factor`, rounded to
 * `multipleOf` where given, at least one channel (or one multiple) and at most the teacher's
 * width. The channels kept are those with the largest L2 norm over every kernel weight they own,
 * sliced from the teacher, so the student starts as the teacher's strongest sub-network; widths
 * that reach the model's inputs or outputs stay, so the student takes and gives what the teacher
 * does. Groups core cannot slice (a layer whose channel use it does not understand) keep their
 * width. The teacher is not changed; factor 1 gives the teacher's weights exactly.
 *
 * @example
 * ```ts
 * const student = shrinkWidth(teacher, { factor: 0.25, multipleOf: 8 });
 * const layers = await tf.loadLayersModel(whittleIOHandler(student));
 * ```
 */
export function shrinkWidth(teacher: Model, options: ShrinkWidthOptions): Model {
  checkTeacher(teacher);
  const { factor, multipleOf } = checkShrinkOptions(options);
  let rewrite: ModelRewrite = rewriteModel(teacher);
  const done = new Set<string>();
  // Slicing one group changes the axes of the params it shares with others, so groups are read
  // again after each slice and recognised by the layers they resize.
  for (;;) {
    const group = rewrite.groups().find((candidate) => resizable(candidate) && !done.has(groupKey(candidate)));
    if (group === undefined) break;
    done.add(groupKey(group));
    const width = targetWidth(group.channels, factor, multipleOf);
    if (width < group.channels) rewrite = rewrite.sliceChannels(group, strongestChannels(channelNorms(rewrite.params, group), width));
  }
  return rewrite.build();
}

/**
 * The width a layer of `channels` channels gets: round(channels × factor), rounded to a multiple
 * of `multipleOf`, at least 1 (or `multipleOf`) and at most `channels`.
 *
 * @example
 * ```ts
 * targetWidth(100, 0.25, 8); // 24
 * ```
 */
export function targetWidth(channels: number, factor: number, multipleOf = 1): number {
  const scaled = channels * factor;
  const rounded = Math.max(multipleOf, Math.round(scaled / multipleOf) * multipleOf);
  return Math.max(1, Math.min(channels, rounded));
}

function checkShrinkOptions(options: unknown): { factor: number; multipleOf: number } {
  if (typeof options !== 'object' || options === null) {
    throw new WhittleError('invalid-argument', 'shrinkWidth needs options { factor }', { field: 'options' });
  }
  const { factor, multipleOf = 1 } = options as Partial<ShrinkWidthOptions>;
  if (typeof factor !== 'number' || !(factor > 0 && factor <= 1)) {
    throw new WhittleError('invalid-argument', `factor must be a number in (0, 1], got ${describe(factor)}`, { field: 'options.factor' });
  }
  if (typeof multipleOf !== 'number' || !Number.isSafeInteger(multipleOf) || multipleOf < 1 || multipleOf > MAX_WIDTH_MULTIPLE) {
    throw new WhittleError('invalid-argument', `multipleOf must be an integer from 1 to ${MAX_WIDTH_MULTIPLE}, got ${describe(multipleOf)}`, {
      field: 'options.multipleOf',
    });
  }
  return { factor, multipleOf };
}

function describe(value: unknown): string {
  return typeof value === 'number' ? String(value) : typeof value;
}

function resizable(group: ChannelGroup): boolean {
  return group.prunable && group.resizes.length > 0;
}

function groupKey(group: ChannelGroup): string {
  return group.resizes
    .map((resize) => `${resize.node}\u0000${resize.attribute}`)
    .sort()
    .join('\u0001');
}

/** The `count` channels of largest norm, in their original order (ties to the lower index). */
function strongestChannels(norms: Float64Array, count: number): number[] {
  const order = Array.from(norms.keys()).sort((left, right) => norms[right]! - norms[left]! || left - right);
  return order.slice(0, count).sort((left, right) => left - right);
}
