/**
 * The checks every student builder makes of its teacher, and the few reads of a Keras layer's
 * config they share.
 */
import { WhittleError, type Model, type Param } from '@whittle/core';
import type { GraphNode, ModelRewrite, NewNode } from '@whittle/core/graph';

/**
 * Throws an `invalid-argument` WhittleError unless `teacher` is a whittle Model of format
 * `tfjs-layers`: students are written as Keras topologies, which only layers models have.
 *
 * @example
 * ```ts
 * checkTeacher(model); // passes for a model read from a tfjs-layers model.json
 * ```
 */
export function checkTeacher(teacher: unknown): asserts teacher is Model {
  if (typeof teacher !== 'object' || teacher === null || !((teacher as Model).params instanceof Map)) {
    throw new WhittleError('invalid-argument', 'the teacher must be a whittle Model', { field: 'teacher' });
  }
  const format = (teacher as Model).format;
  if (format !== 'tfjs-layers') {
    throw new WhittleError('invalid-argument', `students are built from tfjs-layers models, not ${JSON.stringify(format)}`, {
      field: 'teacher.format',
    });
  }
}

/**
 * The param a node binds to `slot`, or undefined when it binds none.
 *
 * @example
 * ```ts
 * boundParam(model, node, 'kernel')?.shape; // [3, 3, 16, 32]
 * ```
 */
export function boundParam(params: ReadonlyMap<string, Param>, node: GraphNode, slot: string): Param | undefined {
  const binding = node.params.find((entry) => entry.slot === slot);
  return binding === undefined ? undefined : params.get(binding.param);
}

/**
 * A Keras pair attribute (`kernel_size`, `strides`, `dilation_rate`: a number or two) as two
 * positive integers, or `fallback` when it is absent. Throws an `invalid-model` WhittleError
 * naming the node otherwise.
 *
 * @example
 * ```ts
 * pairAttribute(node, 'strides', [1, 1]); // [2, 2] for strides: 2
 * ```
 */
export function pairAttribute(node: GraphNode, attribute: string, fallback?: readonly [number, number]): [number, number] {
  const value = node.attributes[attribute];
  const positive = (entry: unknown): entry is number => typeof entry === 'number' && Number.isSafeInteger(entry) && entry > 0;
  if (value === undefined || value === null) {
    if (fallback !== undefined) return [fallback[0], fallback[1]];
  } else if (positive(value)) {
    return [value, value];
  } else if (Array.isArray(value) && value.length === 2 && positive(value[0]) && positive(value[1])) {
    return [value[0], value[1]];
  }
  throw new WhittleError('invalid-model', `${node.op} ${JSON.stringify(node.name)} has no valid ${attribute}`, {
    field: `layers[${JSON.stringify(node.name)}].${attribute}`,
  });
}

/**
 * A name no node of `taken` has: `base`, else `base_2`, `base_3`, … The name is claimed in `taken`.
 *
 * @example
 * ```ts
 * freshName(new Set(['conv_depthwise']), 'conv_depthwise'); // 'conv_depthwise_2'
 * ```
 */
export function freshName(taken: Set<string>, base: string): string {
  let name = base;
  for (let suffix = 2; taken.has(name); suffix++) name = `${base}_${suffix}`;
  taken.add(name);
  return name;
}

/** Attributes a layer keeps only when it is the first layer of a Sequential model. */
export const FIRST_LAYER_ATTRIBUTES: readonly string[] = ['batch_input_shape', 'input_dtype'];

/**
 * `attributes` without the Keras fields that only the layer reading the model input may carry,
 * for the later layers of a chain that replaces it.
 *
 * @example
 * ```ts
 * withoutInputFields({ units: 4, batch_input_shape: [null, 8] }); // { units: 4 }
 * ```
 */
export function withoutInputFields(attributes: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...attributes };
  for (const field of FIRST_LAYER_ATTRIBUTES) delete result[field];
  return result;
}

/**
 * `rewrite` with node `name` replaced by `chain`, whose last node takes `name` over (so hints,
 * metrics and users that name the layer still find it). The chain is put in under a free name
 * first and renamed in a second step: its params are named after their node, and in one step
 * they would clash with the params of the node they replace.
 *
 * @example
 * ```ts
 * rewrite = replaceKeepingName(rewrite, 'dense_1', [down, { ...up, name: 'dense_1' }]);
 * ```
 */
export function replaceKeepingName(rewrite: ModelRewrite, name: string, chain: readonly NewNode[]): ModelRewrite {
  const last = chain[chain.length - 1]!;
  const taken = new Set([...rewrite.graph.nodes.map((node) => node.name), ...chain.map((node) => node.name)]);
  const temporary = freshName(taken, `${name}_replaced`);
  const placed = rewrite.replaceNode(name, [...chain.slice(0, -1), { ...last, name: temporary }]);
  return placed.replaceNode(temporary, [last]);
}
