/**
 * The size of a structurally pruned model from shapes alone: per-group channel counts do not
 * depend on the weights, so neither do the shapes they leave.
 */
import {
  WhittleError,
  byteLength,
  denseByteLength,
  encodingParamCount,
  shapeSize,
  type DType,
  type Model,
  type ModelSize,
  type StepLocation,
} from '@whittle/core';
import { groupLabel, groupSelector } from './group-selection.ts';
import { keptChannelCount } from './kept-channel-count.ts';
import { readGroups } from './plan-structured-pruning.ts';
import { readStructuredOptions } from './read-structured-options.ts';
import type { StructuredOptions } from './structured-options.ts';

/**
 * The params and exact bytes `pruneStructured(model, options)` would leave, from the graph, the
 * shapes and the options alone: each candidate group keeps `keptChannelCount(channels,
 * sparsity, roundTo)` channels whichever they are, and every param a pruned group touches becomes
 * dense (16-bit floats widened to float32, as slicing decodes them). Throws `invalid-recipe`
 * naming `scope` for global ranking (its counts follow the weights), and naming the param for a
 * touched param that is not dense, or one whose channels own unequal numbers of entries.
 *
 * @example
 * ```ts
 * const { params, bytes } = estimateStructured(model, { sparsity: 0.5, roundTo: 8 });
 * ```
 */
export function estimateStructured(model: Model, options: StructuredOptions, context?: StepLocation): ModelSize {
  const settings = readStructuredOptions(options, context);
  const fail = (message: string, field: string): never => {
    throw new WhittleError('invalid-recipe', message, { field, step: context?.step });
  };
  if (settings.scope === 'global')
    fail("a global ranking's channel counts follow the weights, so the step cannot be estimated from shapes", 'scope');
  const whyLeftAlone = groupSelector(model, settings);
  const removed = new Map<string, Map<number, number>>();
  const touched = new Set<string>();
  for (const group of readGroups(model, context)) {
    if (whyLeftAlone(group) !== undefined) continue;
    const cut = group.channels - keptChannelCount(group.channels, settings.sparsity, settings.roundTo);
    if (cut <= 0) continue;
    for (const entry of group.entries) {
      const owned = entry.indices[0]?.length ?? 0;
      if (entry.indices.some((indices) => indices.length !== owned))
        fail(
          `${groupLabel(group)}: its channels own unequal parts of ${JSON.stringify(entry.param)}, so the size depends on which go`,
          'sparsity'
        );
      const axes = removed.get(entry.param) ?? new Map<number, number>();
      removed.set(entry.param, axes);
      axes.set(entry.axis, (axes.get(entry.axis) ?? 0) + cut * owned);
      touched.add(entry.param);
    }
    for (const shape of group.shapes) touched.add(shape.param);
  }
  let params = 0;
  let bytes = 0;
  for (const param of model.params.values()) {
    if (!touched.has(param.name)) {
      params += encodingParamCount(param.value);
      bytes += byteLength(param.value);
      continue;
    }
    const value = param.value;
    if (value.kind !== 'dense')
      return fail(`${JSON.stringify(param.name)} is ${value.kind}-encoded: estimate structured pruning before re-encoding`, 'include');
    const shape = [...param.shape];
    for (const [axis, count] of removed.get(param.name) ?? []) shape[axis] = shape[axis]! - count;
    params += shapeSize(shape);
    bytes += denseByteLength(slicedDType(value.tensor.dtype), shape);
  }
  return { params, bytes };
}

/** The dtype a sliced dense param is stored in: what decoding gives, 16-bit floats widened. */
function slicedDType(dtype: DType): DType {
  return dtype === 'float16' || dtype === 'bfloat16' ? 'float32' : dtype;
}
