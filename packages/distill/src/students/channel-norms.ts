/**
 * The L2 norm of each channel of a coupling group: every kernel weight the channel owns (its
 * producers' columns, depthwise channels, its consumers' rows), the way structured pruning
 * ranks filters (Li et al. 2017).
 */
import { WEIGHT_ROLES, decodeToFloat32, type Model } from '@whittle/core';
import type { ChannelGroup } from '@whittle/core/graph';

/**
 * √(Σ w²) per channel of `group`, over the entries whose param is a kernel (biases and norm
 * statistics are left out: they are not what a channel's magnitude means).
 *
 * @example
 * ```ts
 * const norms = channelNorms(model, group); // one value per channel of the group
 * ```
 */
export function channelNorms(params: Model['params'], group: ChannelGroup): Float64Array {
  const squares = new Float64Array(group.channels);
  const decoded = new Map<string, Float32Array>();
  for (const entry of group.entries) {
    const param = params.get(entry.param);
    if (param === undefined || !WEIGHT_ROLES.includes(param.role)) continue;
    let data = decoded.get(param.name);
    if (data === undefined) decoded.set(param.name, (data = decodeToFloat32(param.value).data));
    const sums = axisSquares(data, param.shape, entry.axis);
    entry.indices.forEach((positions, channel) => {
      for (const position of positions) squares[channel] = squares[channel]! + (sums[position] ?? 0);
    });
  }
  return squares.map(Math.sqrt);
}

/** Σ w² over every element at each position along `axis`. */
function axisSquares(data: Float32Array, shape: readonly number[], axis: number): Float64Array {
  const size = shape[axis] ?? 0;
  let inner = 1;
  for (let index = axis + 1; index < shape.length; index++) inner *= shape[index]!;
  const sums = new Float64Array(size);
  const block = inner * size;
  for (let start = 0; start < data.length; start += block) {
    for (let position = 0; position < size; position++) {
      const from = start + position * inner;
      let total = 0;
      for (let offset = from; offset < from + inner; offset++) total += data[offset]! * data[offset]!;
      sums[position] = sums[position]! + total;
    }
  }
  return sums;
}
