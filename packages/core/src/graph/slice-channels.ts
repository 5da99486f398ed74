import { decode } from '../encoding/decode.ts';
import { denseEncoding } from '../encoding/dense.ts';
import type { Param } from '../model/types.ts';
import { describeValue } from '../tensor/shape.ts';
import { isRecord, quote } from './graph-error.ts';
import { keepAlongAxis } from './keep-along-axis.ts';
import { rewriteFail, type RewriteState } from './rewrite-state.ts';
import type { ChannelGroup, GraphNode } from './types.ts';

/**
 * The state with only channels `keep` of `group` left in every param axis the group touches,
 * the channel-count attributes and shape constants that follow it updated. Sliced params
 * become dense (float32 for floats).
 *
 * @example
 * ```ts
 * const next = sliceChannels(state, params, group, [0, 2]);
 * ```
 */
export function sliceChannels(
  state: RewriteState,
  params: ReadonlyMap<string, Param>,
  group: ChannelGroup,
  keep: readonly number[],
): RewriteState {
  if (!isRecord(group) || !Array.isArray(group.entries) || typeof group.channels !== 'number') {
    rewriteFail(`expected a channel group, got ${describeValue(group)}`, 'group');
  }
  if (!group.prunable)
    rewriteFail(`group ${group.id} is not prunable: ${group.reasons[0] ?? 'no reason given'}`, 'group');
  if (!Array.isArray(keep)) rewriteFail(`keep must be an array of channel indices, got ${describeValue(keep)}`, 'keep');
  const kept = new Set<number>();
  keep.forEach((channel, index) => {
    if (!Number.isSafeInteger(channel) || channel < 0 || channel >= group.channels) {
      rewriteFail(`channel ${describeValue(channel)} is not one of the group's ${group.channels}`, `keep[${index}]`);
    }
    if (kept.has(channel)) rewriteFail(`channel ${channel} is listed twice`, `keep[${index}]`);
    kept.add(channel);
  });
  if (kept.size === 0) rewriteFail('keep at least one channel', 'keep');
  const removed = new Map<string, Map<number, Set<number>>>();
  for (const entry of group.entries) {
    const param = params.get(entry.param);
    const field = `group.entries[${JSON.stringify(entry.param)}]`;
    if (param === undefined)
      rewriteFail(`the model has no param ${quote(entry.param)}: the group is from another model`, field);
    const size = param.shape[entry.axis];
    if (size === undefined || entry.indices.length !== group.channels)
      rewriteFail(`the group does not fit ${quote(entry.param)}`, field);
    let axes = removed.get(entry.param);
    if (axes === undefined) removed.set(entry.param, (axes = new Map()));
    let set = axes.get(entry.axis);
    if (set === undefined) axes.set(entry.axis, (set = new Set()));
    for (let channel = 0; channel < group.channels; channel++) {
      if (kept.has(channel)) continue;
      for (const index of entry.indices[channel]!) {
        if (!Number.isSafeInteger(index) || index < 0 || index >= size)
          rewriteFail(`index ${index} is outside ${quote(entry.param)}`, field);
        set.add(index);
      }
    }
  }
  const sliced = new Map<string, Param>();
  for (const [name, axes] of removed) {
    const param = params.get(name)!;
    let tensor = decode(param.value);
    for (const [axis, indices] of axes) {
      const keepIndices: number[] = [];
      for (let index = 0; index < tensor.shape[axis]!; index++) if (!indices.has(index)) keepIndices.push(index);
      tensor = keepAlongAxis(tensor, axis, keepIndices);
    }
    sliced.set(name, { ...param, shape: [...tensor.shape], value: denseEncoding(tensor) });
  }
  for (const [index, entry] of (Array.isArray(group.shapes) ? group.shapes : []).entries()) {
    const field = `group.shapes[${index}]`;
    const param = sliced.get(entry.param) ?? params.get(entry.param);
    if (param === undefined)
      rewriteFail(`the model has no param ${quote(entry.param)}: the group is from another model`, field);
    const tensor = decode(param.value);
    const size = tensor.data[entry.position];
    if (tensor.dtype !== 'int32' || tensor.shape.length !== 1 || typeof size !== 'number')
      rewriteFail(`${quote(entry.param)} is not a shape`, field);
    let removedCount = 0;
    for (let channel = 0; channel < group.channels; channel++)
      if (!kept.has(channel)) removedCount += entry.indices[channel]?.length ?? 0;
    const values = Int32Array.from(tensor.data as Int32Array);
    values[entry.position] = size - removedCount;
    sliced.set(entry.param, {
      ...param,
      value: denseEncoding({ dtype: 'int32', shape: [...tensor.shape], data: values }),
    });
  }
  const nextParams = state.params.map((param) => sliced.get(param.name) ?? param);
  const shapes = new Map(nextParams.map((param) => [param.name, param.shape]));
  const resized = new Map(group.resizes.map((resize) => [resize.node, resize.attribute]));
  const nodes = state.graph.nodes.map((node) => {
    const attribute = resized.get(node.name);
    if (attribute === undefined) return node;
    const count = outputCount(node, shapes);
    return count === undefined ? node : { ...node, attributes: { ...node.attributes, [attribute]: count } };
  });
  return { ...state, graph: { ...state.graph, nodes }, params: nextParams };
}

function outputCount(node: GraphNode, shapes: ReadonlyMap<string, readonly number[]>): number | undefined {
  for (const binding of node.params) {
    for (const axis of binding.axes) {
      const size = shapes.get(binding.param)?.[axis.axis];
      if (axis.side === 'output' && axis.recurrent !== true && size !== undefined) return size / axis.copies;
    }
  }
  return undefined;
}
