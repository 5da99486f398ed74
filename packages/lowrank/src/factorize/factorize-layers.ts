/**
 * `lowrank.svd` with `rewrite: true`: each selected Dense or Conv2D layer replaced by two stock
 * layers through core's graph rewrite, so the result is smaller and faster in stock tfjs.
 *
 * Dense(in→out) becomes Dense(in→r, no bias, linear) then Dense(r→out, the bias, the
 * activation). Conv2D [kh, kw, in, out] becomes a Conv2D with r filters (same kernel size,
 * strides, padding, dilation; no bias, linear) then a 1×1 Conv2D with out filters, the bias and
 * the activation.
 */
import { WhittleError, hostTensor, selectParams, type Encoding, type Model, type StepContext } from '@whittle/core';
import { readModelGraph, rewriteModel, type GraphNode, type ModelGraph, type NewNode } from '@whittle/core/graph';
import type { LowRankSvdStep } from './factorize-options.ts';
import { FACTORIZE_ROLES } from './factorize-roles.ts';
import { factorsLocated } from './factorize-params.ts';
import { matrixSize, matrixValues, whyNotAMatrix, type MatrixFactors } from './matrix-factors.ts';
import { planRanks, type FactorizeTarget } from './plan-ranks.ts';

/** The Keras layer classes a rewrite factorizes, with the rank their kernel has. */
export const FACTORIZED_LAYERS: ReadonlyMap<string, number> = new Map([
  ['Dense', 2],
  ['Conv2D', 4],
]);

// Fields of a layer's config that describe its input or its output, which the new layer at the
// other end of the pair must not inherit.
const INPUT_FIELDS = ['batch_input_shape', 'input_shape', 'input_dim'];
const OUTPUT_FIELDS = ['activity_regularizer'];

/**
 * True when `model` has a Keras topology with at least one Dense or Conv2D layer: where a
 * `lowrank.svd` step rewrites layers when its `rewrite` is absent.
 *
 * @example
 * ```ts
 * hasFactorizableLayers(mlp); // true
 * hasFactorizableLayers(checkpoint); // false: no topology
 * ```
 */
export function hasFactorizableLayers(model: Model): boolean {
  if (model.topology === null || model.format !== 'tfjs-layers') return false;
  return readModelGraph(model).nodes.some((node) => FACTORIZED_LAYERS.has(node.op));
}

/**
 * `model` (a tfjs-layers model) with every Dense and Conv2D layer whose kernel `config` selects
 * (validated) replaced by its factorized pair, where that cuts the kernel's parameters; kernels
 * left whole, and selected params of other layers, are noted with the reason. New layers are
 * named `<layer>_lowrank_a` and `<layer>_lowrank_b` (a number added when taken). The input
 * model is left as it is. Throws an `invalid-recipe` error naming `rewrite` for a model without
 * a Keras topology.
 *
 * @example
 * ```ts
 * const smaller = await factorizeLayers(mlp, readFactorizeOptions({ kind: 'lowrank.svd', budget: 0.25 }, { step: 1 }), { step: 1, resources: {} });
 * const layers = await tf.loadLayersModel(whittleIOHandler(smaller)); // stock tfjs runs it
 * ```
 */
export async function factorizeLayers(
  model: Model,
  config: LowRankSvdStep,
  context: Pick<StepContext, 'step' | 'signal' | 'onParam' | 'note'>,
): Promise<Model> {
  checkRewritable(model, context.step);
  const { graph, targets, layers } = layerTargets(model, config, context.note);
  const decisions = planRanks(targets, config, context);
  let rewrite = rewriteModel(model);
  const taken = new Set(graph.nodes.map((node) => node.name));
  for (const [index, decision] of decisions.entries()) {
    context.signal?.throwIfAborted();
    const { target } = decision;
    if ('reason' in decision) context.note?.(`${target.name}: left alone: ${decision.reason}`);
    else {
      const layer = layers.get(target.name)!;
      const factors = await factorsLocated(target, decision.rank, config, context.step, decision.decomposition);
      const kernel = model.params.get(target.name)!;
      const bias = layer.params.find((binding) => binding.slot === 'bias');
      const names = [uniqueName(`${layer.name}_lowrank_a`, taken), uniqueName(`${layer.name}_lowrank_b`, taken)] as const;
      const biasValue = bias === undefined ? undefined : model.params.get(bias.param)!.value;
      rewrite = rewrite.replaceNode(layer.name, factorizedPair(layer, kernel.shape, factors, biasValue, names));
    }
    context.onParam?.(target.name, index + 1, decisions.length);
  }
  return rewrite.build();
}

/**
 * Throws an `invalid-recipe` error naming `rewrite` unless `model` is a tfjs-layers model with a
 * topology, the models whose layers a rewrite factorizes.
 *
 * @example
 * ```ts
 * checkRewritable(checkpoint, 1); // throws: a safetensors model takes rewrite: false
 * ```
 */
export function checkRewritable(model: Model, step: number): void {
  if (model.topology !== null && model.format === 'tfjs-layers') return;
  throw new WhittleError(
    'invalid-recipe',
    `rewrite: true factorizes the Dense and Conv2D layers of tfjs-layers models; a ${model.format} model takes rewrite: false`,
    { step, field: 'rewrite' },
  );
}

/** What {@link layerTargets} finds: the graph, the kernels to factorize, and the layer of each. */
export interface LayerTargets {
  readonly graph: ModelGraph;
  readonly targets: readonly FactorizeTarget[];
  /** Kernel param name → its layer. */
  readonly layers: ReadonlyMap<string, GraphNode>;
}

/**
 * The kernels of `model`'s Dense and Conv2D layers that `config` selects and may factorize; the
 * other selected params are given to `note` with the reason they are left alone.
 *
 * @example
 * ```ts
 * layerTargets(mlp, config).targets.map((target) => target.name); // ['dense/kernel', 'dense_1/kernel']
 * ```
 */
export function layerTargets(model: Model, config: LowRankSvdStep, note?: (message: string) => void): LayerTargets {
  const graph = readModelGraph(model);
  const layerOfKernel = kernelLayers(graph);
  const targets: FactorizeTarget[] = [];
  const layers = new Map<string, GraphNode>();
  for (const param of selectParams(model, config, FACTORIZE_ROLES)) {
    const layer = layerOfKernel.get(param.name);
    const reason =
      layer === undefined
        ? 'rewrite: true factorizes the kernels of Dense and Conv2D layers only (rewrite: false stores any matrix as a lowrank encoding)'
        : param.shape.length !== FACTORIZED_LAYERS.get(layer.op)
          ? `a ${layer.op} kernel of rank ${param.shape.length}`
          : whyNotAMatrix(param);
    if (reason !== undefined) {
      note?.(`${param.name}: left alone: ${reason}`);
      continue;
    }
    layers.set(param.name, layer!);
    targets.push({ name: param.name, size: matrixSize(param.shape)!, values: () => matrixValues(param) });
  }
  return { graph, targets, layers };
}

/** Kernel param name → the Dense or Conv2D layer that owns it. */
function kernelLayers(graph: ModelGraph): Map<string, GraphNode> {
  const found = new Map<string, GraphNode>();
  for (const node of graph.nodes) {
    if (!FACTORIZED_LAYERS.has(node.op)) continue;
    const kernel = node.params.find((binding) => binding.slot === 'kernel');
    if (kernel !== undefined) found.set(kernel.param, node);
  }
  return found;
}

/** The two layers that replace `layer`, its kernel of `shape` factorized. */
function factorizedPair(
  layer: GraphNode,
  shape: readonly number[],
  factors: MatrixFactors,
  bias: Encoding | undefined,
  names: readonly [string, string],
): NewNode[] {
  const { rank, left, right } = factors;
  const attributes = layer.attributes;
  const output = shape[shape.length - 1]!;
  const first = without({ ...attributes, use_bias: false, activation: 'linear' }, OUTPUT_FIELDS);
  const second = without({ ...attributes }, INPUT_FIELDS);
  const biasParams: Record<string, Encoding> = bias === undefined ? {} : { bias };
  if (layer.op === 'Dense') {
    return [
      { name: names[0], op: 'Dense', attributes: { ...first, units: rank }, params: { kernel: hostTensor('float32', [shape[0]!, rank], left) } },
      { name: names[1], op: 'Dense', attributes: { ...second, units: output }, params: { kernel: hostTensor('float32', [rank, output], right), ...biasParams } },
    ];
  }
  const [height, width, input] = shape as [number, number, number, number];
  return [
    {
      name: names[0],
      op: 'Conv2D',
      attributes: { ...first, filters: rank },
      params: { kernel: hostTensor('float32', [height, width, input, rank], left) },
    },
    {
      name: names[1],
      op: 'Conv2D',
      attributes: { ...second, filters: output, kernel_size: [1, 1], strides: [1, 1], padding: 'valid', dilation_rate: [1, 1] },
      params: { kernel: hostTensor('float32', [1, 1, rank, output], right), ...biasParams },
    },
  ];
}

function without(attributes: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  for (const field of fields) delete attributes[field];
  return attributes;
}

/** `base`, or `base_2`, `base_3`… : the first name not yet taken, claimed. */
function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let suffix = 2; taken.has(name); suffix++) name = `${base}_${suffix}`;
  taken.add(name);
  return name;
}
