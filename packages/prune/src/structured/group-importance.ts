/**
 * The magnitude of each channel of a coupling group: every weight a channel owns, in every param
 * of the group that is scored (its producers' columns, depthwise channels, consumers' rows).
 */
import { decodeToFloat32, type Model, type Param } from '@whittle/core';
import type { ChannelGroup } from '@whittle/core/graph';
import type { StructuredNorm } from './structured-options.ts';

/**
 * Per-axis sums of |w| or w², cached by param, axis and norm so that a kernel shared by two groups
 * (one group's columns, the next one's rows) is decoded and summed once per plan.
 */
export class AxisSums {
  readonly #decoded = new Map<string, Float32Array>();
  readonly #sums = new Map<string, Float64Array>();

  /**
   * The sum over every element of `param` at each position along `axis`: of |w| for `l1`, of w²
   * for `l2`.
   *
   * @example
   * ```ts
   * new AxisSums().of(kernel, 1, 'l1'); // one sum per output column of a Dense kernel
   * ```
   */
  of(param: Param, axis: number, norm: StructuredNorm): Float64Array {
    const key = `${param.name}\u0000${axis}\u0000${norm}`;
    let sums = this.#sums.get(key);
    if (sums !== undefined) return sums;
    let data = this.#decoded.get(param.name);
    if (data === undefined) {
      data = decodeToFloat32(param.value).data;
      this.#decoded.set(param.name, data);
    }
    const size = param.shape[axis] ?? 0;
    let inner = 1;
    for (let index = axis + 1; index < param.shape.length; index++) inner *= param.shape[index]!;
    sums = new Float64Array(size);
    const block = inner * size;
    for (let start = 0; start < data.length; start += block) {
      for (let position = 0; position < size; position++) {
        let total = 0;
        const from = start + position * inner;
        for (let offset = from; offset < from + inner; offset++) {
          const value = data[offset]!;
          total += norm === 'l1' ? Math.abs(value) : value * value;
        }
        sums[position] = sums[position]! + total;
      }
    }
    this.#sums.set(key, sums);
    return sums;
  }
}

/**
 * The importance of each channel of `group`: the L1 norm (sum of |w|) or the L2 norm (square
 * root of the sum of w²) of every weight the channel owns in the entries whose param `scored`
 * accepts, all entries together.
 *
 * @example
 * ```ts
 * const scores = groupImportance(model, group, 'l2', (param) => WEIGHT_ROLES.includes(param.role));
 * ```
 */
export function groupImportance(model: Model, group: ChannelGroup, norm: StructuredNorm, scored: (param: Param) => boolean): Float64Array {
  return groupImportanceFrom(new AxisSums(), model, group, norm, scored);
}

/**
 * {@link groupImportance} reading its per-axis sums from `sums`, so a plan over many groups
 * decodes and sums each param once.
 *
 * @example
 * ```ts
 * const sums = new AxisSums();
 * const scores = groups.map((group) => groupImportanceFrom(sums, model, group, 'l1', isKernel));
 * ```
 */
export function groupImportanceFrom(
  sums: AxisSums,
  model: Model,
  group: ChannelGroup,
  norm: StructuredNorm,
  scored: (param: Param) => boolean
): Float64Array {
  const importance = new Float64Array(group.channels);
  for (const entry of group.entries) {
    const param = model.params.get(entry.param);
    if (param === undefined || !scored(param)) continue;
    const axisSums = sums.of(param, entry.axis, norm);
    entry.indices.forEach((positions, channel) => {
      for (const position of positions) importance[channel] = importance[channel]! + (axisSums[position] ?? 0);
    });
  }
  if (norm === 'l2') for (let channel = 0; channel < importance.length; channel++) importance[channel] = Math.sqrt(importance[channel]!);
  return importance;
}
