/**
 * Cross-layer equalization (Nagel et al., "Data-Free Quantization Through Weight Equalization
 * and Bias Correction", 2019): rescale each channel where it is made and where it is read so that
 * its ranges in both kernels agree. The float model computes the same function; a per-tensor
 * quantizer afterwards no longer has to serve channels of very different scale with one step.
 */
import { WhittleError, denseEncoding, describeValue, hostTensor, type Model, type Param } from '@whittle/core';
import { channelGroups, readModelGraph } from '@whittle/core/graph';
import { axisAbsMax, scaleAlongAxis } from './axis-ranges.ts';
import { planEqualization, type PlannedEntry, type PlannedGroup } from './equalization-plan.ts';

/** Options of {@link equalizeModel}. */
export interface EqualizeOptions {
  /**
   * Most sweeps over every group (a kernel read by one group and made by the next changes with
   * both, so one sweep does not settle them all); default {@link DEFAULT_EQUALIZE_SWEEPS}.
   */
  readonly sweeps?: number;
}

/** Sweeps {@link equalizeModel} makes at most when not told. */
export const DEFAULT_EQUALIZE_SWEEPS = 16;
/** Sweeps stop once no factor moved a channel by more than this ratio. */
const SETTLED = 1 + 1e-4;
/** Largest factor one sweep applies to one channel, so a near-dead channel cannot blow up its reader. */
const FACTOR_LIMIT = 1e4;

/** What {@link equalizeModel} did: the model, and how many groups it rescaled in how many sweeps. */
export interface EqualizeResult {
  readonly model: Model;
  readonly groups: number;
  readonly sweeps: number;
}

/**
 * `model` with cross-layer equalization applied: for every channel-coupling group whose channels
 * pass from Dense / Conv kernels through ops that commute with positive scaling (ReLU, leaky
 * ReLU, PReLU, pooling, padding, additions; at most one depthwise convolution) into Dense / Conv
 * kernels, channel `c` is divided by `s_c` where it is made (kernel and bias) and multiplied by
 * `s_c` where it is read, with `s_c` chosen so that every kernel's range on that channel becomes
 * the geometric mean of their ranges (`sqrt(r1 / r2)` for two kernels). Biases are scaled, not
 * measured. Groups through ReLU6, sigmoid, tanh, products or anything not understood are left as
 * they are. The float outputs are unchanged up to float32 rounding; only groups whose params
 * are all dense float32 are rescaled, so every param keeps its dtype. Throws an `invalid-model` WhittleError for a model without a graph.
 *
 * @example
 * ```ts
 * const { model: equalized, groups } = equalizeModel(model);
 * const { model: stock } = await compress(equalized, [uint8()]);
 * ```
 */
export function equalizeModel(model: Model, options: EqualizeOptions = {}): EqualizeResult {
  const sweeps = options.sweeps ?? DEFAULT_EQUALIZE_SWEEPS;
  if (!Number.isSafeInteger(sweeps) || sweeps < 1 || sweeps > 1000) {
    throw new WhittleError('invalid-argument', `equalize sweeps must be an integer in 1–1000, got ${describeValue(sweeps)}`, { field: 'sweeps' });
  }
  const graph = readModelGraph(model);
  const plans = planEqualization(graph, channelGroups(graph, model)).filter((plan) => plan.entries.every((planned) => floatValues(model.params.get(planned.entry.param)) !== undefined));
  if (plans.length === 0) return { model, groups: 0, sweeps: 0 };
  const values = new Map<string, Float32Array>();
  const valuesOf = (name: string): Float32Array => {
    let array = values.get(name);
    if (array === undefined) {
      array = floatValues(model.params.get(name))!.slice();
      values.set(name, array);
    }
    return array;
  };
  let sweep = 0;
  while (sweep < sweeps) {
    sweep++;
    let largestMove = 1;
    for (const plan of plans) largestMove = Math.max(largestMove, equalizeGroup(plan, model, valuesOf));
    if (largestMove < SETTLED) break;
  }
  const params = new Map<string, Param>();
  for (const [name, param] of model.params) {
    const array = values.get(name);
    params.set(name, array === undefined ? param : { ...param, value: denseEncoding(hostTensor('float32', [...param.shape], array)) });
  }
  return { model: { ...model, params }, groups: plans.length, sweeps: sweep };
}

/**
 * The values of a dense float32 param, or undefined for anything else: a group that touches a
 * float16 or already quantized param is left alone, so every param keeps its dtype and size.
 */
function floatValues(param: Param | undefined): Float32Array | undefined {
  if (param === undefined || param.value.kind !== 'dense' || param.value.tensor.dtype !== 'float32') return undefined;
  return param.value.tensor.data as Float32Array;
}

/** Rescales one group's channels once; returns the largest factor ratio applied (≥ 1). */
function equalizeGroup(plan: PlannedGroup, model: Model, valuesOf: (name: string) => Float32Array): number {
  const channels = plan.group.channels;
  const rangeOf = (part: PlannedEntry['part']): Float64Array => {
    const ranges = new Float64Array(channels);
    for (const { entry } of plan.entries.filter((planned) => planned.part === part)) {
      const shape = model.params.get(entry.param)!.shape;
      const perIndex = axisAbsMax(valuesOf(entry.param), shape, entry.axis);
      entry.indices.forEach((positions, channel) => {
        for (const position of positions) ranges[channel] = Math.max(ranges[channel]!, perIndex[position]!);
      });
    }
    return ranges;
  };
  const stages = plan.cuts === 2 ? [rangeOf('source'), rangeOf('middle'), rangeOf('reader')] : [rangeOf('source'), rangeOf('reader')];
  // cuts[k][c]: channel c is divided by it after stage k and multiplied by it in stage k + 1.
  const cuts = Array.from({ length: plan.cuts }, () => new Float64Array(channels).fill(1));
  let largestMove = 1;
  for (let channel = 0; channel < channels; channel++) {
    const ranges = stages.map((stage) => stage[channel]!);
    if (!ranges.every((range) => range > 0 && Number.isFinite(range))) continue;
    const target = Math.exp(ranges.reduce((sum, range) => sum + Math.log(range), 0) / ranges.length);
    let previous = 1;
    for (let cut = 0; cut < plan.cuts; cut++) {
      // Stage `cut` holds ranges[cut] · previous / factor afterwards; make that the target.
      const factor = Math.min(FACTOR_LIMIT, Math.max(1 / FACTOR_LIMIT, (ranges[cut]! * previous) / target));
      cuts[cut]![channel] = factor;
      largestMove = Math.max(largestMove, factor, 1 / factor);
      previous = factor;
    }
  }
  const last = plan.cuts - 1;
  for (const { entry, part } of plan.entries) {
    const factors = new Float64Array(model.params.get(entry.param)!.shape[entry.axis]!).fill(1);
    entry.indices.forEach((positions, channel) => {
      const first = cuts[0]![channel]!;
      const factor =
        part === 'source' || part === 'source-bias'
          ? 1 / first
          : part === 'middle'
            ? first / cuts[1]![channel]!
            : part === 'middle-bias'
              ? 1 / cuts[1]![channel]!
              : cuts[last]![channel]!;
      for (const position of positions) factors[position] = factor;
    });
    scaleAlongAxis(valuesOf(entry.param), model.params.get(entry.param)!.shape, entry.axis, factors);
  }
  return largestMove;
}
