/**
 * Which pairs of layers cross-layer equalization may rescale, read from core's model graph. A
 * layer's output channel `c` may be divided by a positive factor where it is made and multiplied
 * back where it is read only when every op between commutes with positive scaling
 * (f(x / s) = f(x) / s) and keeps channel `c` at index `c`: ReLU, leaky ReLU, PReLU, max and
 * average pooling, spatial padding, a bias add, identity, dropout. ReLU6, sigmoid, tanh,
 * hard-swish, products and sums with another tensor do not, so pairs through them are left alone.
 */
import type { ChannelAxis, GraphNode, ModelGraph, ParamBinding } from '@whittle/core/graph';
import { consumers, graphNode } from '@whittle/core/graph';

/** A param of a pair and the axis its channels lie on. */
export interface PairParam {
  readonly param: string;
  readonly axis: number;
}

/**
 * A layer whose output channels only reach kernels that read them: `kernels` (the maker's
 * kernel) and `biases` (its bias and any bias add on the way) are divided by a channel's factor,
 * `readers` (the kernels reading the channels) multiplied by it.
 */
export interface EqualizationPair {
  readonly maker: string;
  readonly channels: number;
  readonly kernels: readonly PairParam[];
  readonly biases: readonly PairParam[];
  readonly readers: readonly PairParam[];
}

const KERNEL_OPS: ReadonlySet<string> = new Set(['Dense', 'Conv1D', 'Conv2D', 'MatMul', '_FusedMatMul', '_FusedConv2D']);
const DEPTHWISE_OPS: ReadonlySet<string> = new Set(['DepthwiseConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2dNative']);
/** Ops that keep every channel where it is and commute with a positive per-channel scaling. */
const PASS_OPS: ReadonlySet<string> = new Set([
  // GraphDef
  'Relu',
  'LeakyRelu',
  'Prelu',
  'Identity',
  'MaxPool',
  'AvgPool',
  'BiasAdd',
  'Pad',
  // Keras
  'LeakyReLU',
  'PReLU',
  'Dropout',
  'SpatialDropout1D',
  'SpatialDropout2D',
  'ZeroPadding1D',
  'ZeroPadding2D',
  'MaxPooling1D',
  'MaxPooling2D',
  'AveragePooling1D',
  'AveragePooling2D',
]);
const HOMOGENEOUS_ACTIVATIONS: ReadonlySet<string> = new Set(['linear', 'relu']);
const HOMOGENEOUS_FUSED: ReadonlySet<string> = new Set(['Relu', 'LeakyRelu', 'Prelu']);

/**
 * Every layer of `graph` whose output channels can be equalized against the kernels reading
 * them: the maker is a Dense / Conv / MatMul or depthwise (multiplier 1) layer with a ReLU or
 * linear activation, its output reaches nothing but such kernels' data inputs, through ops that
 * commute with positive scaling and keep channels in place, and never a model output. `shapeOf`
 * gives a param's shape (undefined for one the model lacks).
 *
 * @example
 * ```ts
 * const pairs = equalizationPairs(readModelGraph(model), (name) => model.params.get(name)?.shape);
 * pairs.map((pair) => pair.maker); // ['conv1', 'depthwise1', …]
 * ```
 */
export function equalizationPairs(graph: ModelGraph, shapeOf: (param: string) => readonly number[] | undefined): EqualizationPair[] {
  const pairs: EqualizationPair[] = [];
  for (const node of graph.nodes) {
    const pair = pairOf(graph, node, shapeOf);
    if (pair !== undefined) pairs.push(pair);
  }
  return pairs;
}

/** The kernel binding of a maker or reader and the axis its `side` channels lie on. */
function kernelAxis(node: GraphNode, side: ChannelAxis['side'], shapeOf: (param: string) => readonly number[] | undefined): { binding: ParamBinding; axis: number; size: number } | undefined {
  if (!KERNEL_OPS.has(node.op) && !DEPTHWISE_OPS.has(node.op)) return undefined;
  if (!layoutUnderstood(node)) return undefined;
  const depthwise = DEPTHWISE_OPS.has(node.op);
  const binding = node.params.find((candidate) => candidate.slot !== 'bias' && candidate.axes.length > 0);
  const shape = binding === undefined ? undefined : shapeOf(binding.param);
  if (binding === undefined || shape === undefined) return undefined;
  // A depthwise kernel has one channel space on both sides, and only a multiplier of 1 keeps it so.
  const found = binding.axes.find((axis) => axis.side === (depthwise ? 'input' : side) && axis.copies === 1 && axis.arrangement === 'contiguous' && axis.recurrent !== true);
  if (found === undefined) return undefined;
  if (depthwise && shape.at(-1) !== 1) return undefined;
  return { binding, axis: found.axis, size: shape[found.axis]! };
}

function pairOf(graph: ModelGraph, maker: GraphNode, shapeOf: (param: string) => readonly number[] | undefined): EqualizationPair | undefined {
  const made = kernelAxis(maker, 'output', shapeOf);
  if (made === undefined || !homogeneousActivation(maker)) return undefined;
  const outputs = new Set(graph.outputs.map((output) => output.node));
  const biases: PairParam[] = [];
  const makerBias = maker.params.find((binding) => binding.slot === 'bias');
  if (makerBias !== undefined) {
    if (!channelVector(shapeOf(makerBias.param), made.size)) return undefined;
    biases.push({ param: makerBias.param, axis: 0 });
  }
  const readers: PairParam[] = [];
  const seen = new Set<string>();
  const pending = [maker.name];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (outputs.has(name)) return undefined;
    for (const edge of consumers(graph, name)) {
      if (edge.control === true) continue;
      if (seen.has(edge.to)) return undefined;
      seen.add(edge.to);
      const node = graphNode(graph, edge.to);
      const read = edge.input === 0 ? kernelAxis(node, 'input', shapeOf) : undefined;
      if (read !== undefined) {
        if (read.size !== made.size) return undefined;
        readers.push({ param: read.binding.param, axis: read.axis });
        continue;
      }
      if (edge.input !== 0 || !passes(node, made.size, shapeOf, biases)) return undefined;
      pending.push(node.name);
    }
  }
  if (readers.length === 0) return undefined;
  return { maker: maker.name, channels: made.size, kernels: [{ param: made.binding.param, axis: made.axis }], biases, readers };
}

/** Whether a node between maker and readers keeps channels in place and commutes; records a bias add's bias. */
function passes(node: GraphNode, channels: number, shapeOf: (param: string) => readonly number[] | undefined, biases: PairParam[]): boolean {
  if (node.op === 'Activation') return homogeneousActivation(node);
  if (node.op === 'ReLU') {
    // A ReLU capped at `max_value` (ReLU6) or shifted by `threshold` does not commute.
    const { max_value: cap, threshold } = node.attributes;
    return (cap === undefined || cap === null) && (threshold === undefined || threshold === null || threshold === 0);
  }
  if (!PASS_OPS.has(node.op)) return false;
  if (node.op === 'BiasAdd') {
    const bias = node.params.find((binding) => binding.slot === 'bias');
    if (bias === undefined || !channelVector(shapeOf(bias.param), channels)) return false;
    biases.push({ param: bias.param, axis: 0 });
  }
  // A PReLU's slopes act on signs, which a positive scaling keeps; they must be per channel or shared.
  if (node.op === 'PReLU' && node.attributes.shared_axes !== undefined && node.attributes.shared_axes !== null) return false;
  // A Pad that pads channels changes the readers' channel count, which `pairOf` rejects.
  return true;
}

function channelVector(shape: readonly number[] | undefined, channels: number): boolean {
  return shape !== undefined && shape.length === 1 && shape[0] === channels;
}

/** Keras channels-last, no grouped convolution; GraphDef NHWC and no transposed MatMul input. */
function layoutUnderstood(node: GraphNode): boolean {
  const attributes = node.attributes;
  if (attributes.data_format === 'channels_first') return false;
  if (typeof attributes.groups === 'number' && attributes.groups !== 1) return false;
  if (stringOf(attributes.data_format) === 'NCHW') return false;
  const transpose = attributes.transpose_a as { b?: unknown } | undefined;
  return !(typeof transpose === 'object' && transpose !== null && transpose.b === true);
}

function homogeneousActivation(node: GraphNode): boolean {
  const activation = node.attributes.activation;
  if (activation !== undefined && activation !== null && !(typeof activation === 'string' && HOMOGENEOUS_ACTIVATIONS.has(activation))) return false;
  const fused = listOf(node.attributes.fused_ops);
  if (fused === undefined) return true;
  return fused[0] === 'BiasAdd' && fused.length <= 2 && fused.slice(1).every((op) => HOMOGENEOUS_FUSED.has(op));
}

/** A GraphDef string attribute (`{ s: base64 }`) as text. */
function stringOf(value: unknown): string | undefined {
  const text = (value as { s?: unknown } | undefined)?.s;
  return typeof text === 'string' ? decode(text) : undefined;
}

/** A GraphDef list attribute (`{ list: { s: [base64…] } }`) as text, undefined where absent. */
function listOf(value: unknown): string[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const texts = (value as { list?: { s?: unknown } }).list?.s;
  return Array.isArray(texts) ? texts.map((text) => (typeof text === 'string' ? (decode(text) ?? '') : '')) : [];
}

function decode(text: string): string | undefined {
  try {
    return atob(text);
  } catch {
    return undefined;
  }
}
