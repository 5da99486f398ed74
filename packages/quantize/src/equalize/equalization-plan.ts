/**
 * Which channel-coupling groups cross-layer equalization may rescale, and what each of their
 * params does under a scaling. A group's channel `c` may be divided by a positive factor where
 * it is made and multiplied back where it is read only when everything between commutes with
 * positive scaling (f(x / s) = f(x) / s): linear ops, ReLU, leaky ReLU, PReLU, max and average
 * pooling, padding, concatenation, flattening, additions of other such channels. ReLU6, sigmoid,
 * tanh, ELU, hard-swish and products of two tensors do not, so groups through them are left alone.
 */
import type { ChannelGroup, GraphNode, GroupEntry, ModelGraph } from '@whittle/core/graph';
import { consumers, graphNode } from '@whittle/core/graph';

/** How one param entry of a planned group is rescaled; `stage` numbers the cuts (see below). */
export interface PlannedEntry {
  readonly entry: GroupEntry;
  /**
   * `source`: a kernel making the channel (its range is stage 0's; divided by cut 0's factor).
   * `source-bias`: the bias added to it before the first cut (divided, not measured).
   * `middle`: a depthwise kernel between two cuts (multiplied by cut 0's, divided by cut 1's).
   * `middle-bias`: that depthwise layer's bias (divided by cut 1's factor).
   * `reader`: a kernel reading the channel (multiplied by the last cut's factor).
   */
  readonly part: 'source' | 'source-bias' | 'middle' | 'middle-bias' | 'reader';
}

/** A group that can be equalized: one cut (maker → reader) or two (maker → depthwise → reader). */
export interface PlannedGroup {
  readonly group: ChannelGroup;
  readonly cuts: 1 | 2;
  readonly entries: readonly PlannedEntry[];
}

const KERNEL_OPS: ReadonlySet<string> = new Set(['Dense', 'Conv1D', 'Conv2D', 'MatMul', '_FusedMatMul', '_FusedConv2D']);
const DEPTHWISE_OPS: ReadonlySet<string> = new Set(['DepthwiseConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2dNative']);
/** Ops between maker and reader that commute with a positive per-channel scaling. */
const HOMOGENEOUS_OPS: ReadonlySet<string> = new Set([
  // GraphDef
  'Relu',
  'LeakyRelu',
  'Prelu',
  'Identity',
  'MaxPool',
  'AvgPool',
  'BiasAdd',
  'Add',
  'AddV2',
  'AddN',
  'ConcatV2',
  'Reshape',
  'Pad',
  // Keras
  'LeakyReLU',
  'PReLU',
  'Dropout',
  'SpatialDropout1D',
  'SpatialDropout2D',
  'Flatten',
  'Add',
  'Average',
  'Concatenate',
  'ZeroPadding1D',
  'ZeroPadding2D',
  'MaxPooling1D',
  'MaxPooling2D',
  'AveragePooling1D',
  'AveragePooling2D',
  'GlobalAveragePooling1D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling1D',
  'GlobalMaxPooling2D',
]);
const HOMOGENEOUS_ACTIVATIONS: ReadonlySet<string> = new Set(['linear', 'relu']);
const HOMOGENEOUS_FUSED: ReadonlySet<string> = new Set(['Relu', 'LeakyRelu']);

/**
 * The groups of `groups` that equalization may rescale without changing the float model's
 * function, each entry labelled with its part. A group is left out unless it is prunable (no
 * model input or output, every node understood), its makers are Dense / Conv / MatMul kernels
 * whose own activation is ReLU or linear, at most one depthwise convolution (multiplier 1) lies
 * between, every op on the way from a maker to a reader commutes with positive scaling, and its
 * readers are Dense / Conv / MatMul kernels.
 *
 * @example
 * ```ts
 * const plans = planEqualization(graph, channelGroups(graph, model));
 * plans.map((plan) => plan.cuts); // [1, 2, 1]
 * ```
 */
export function planEqualization(graph: ModelGraph, groups: readonly ChannelGroup[]): PlannedGroup[] {
  const plans: PlannedGroup[] = [];
  for (const group of groups) {
    const plan = planGroup(graph, group);
    if (plan !== undefined) plans.push(plan);
  }
  return plans;
}

function planGroup(graph: ModelGraph, group: ChannelGroup): PlannedGroup | undefined {
  if (!group.prunable || group.channels === 0) return undefined;
  const makers = new Set(group.entries.filter((entry) => entry.effect === 'produces').map((entry) => entry.node));
  // Biases are scaled with their kernels but never measured: a bias is not what the range is for.
  const readers = new Set(group.entries.filter((entry) => entry.effect === 'reads').map((entry) => entry.node));
  const middles = new Set(group.entries.filter((entry) => DEPTHWISE_OPS.has(graphNode(graph, entry.node).op)).map((entry) => entry.node));
  if (makers.size === 0 || readers.size === 0 || middles.size > 1) return undefined;
  for (const node of makers) if (readers.has(node) || !KERNEL_OPS.has(graphNode(graph, node).op)) return undefined;
  for (const node of [...makers, ...middles]) if (!homogeneousActivation(graphNode(graph, node))) return undefined;
  const entries: PlannedEntry[] = [];
  for (const entry of group.entries) {
    const part = partOf(graph, entry, makers, middles);
    if (part === undefined) return undefined;
    if (part !== 'skip') entries.push({ entry, part });
  }
  if (middles.size === 1 && !entries.some((planned) => planned.part === 'middle')) return undefined;
  if (!pathsCommute(graph, makers, readers, middles)) return undefined;
  return { group, cuts: middles.size === 1 ? 2 : 1, entries };
}

/** The entry's part, `skip` for a param that a scaling leaves alone, undefined for one it breaks. */
function partOf(graph: ModelGraph, entry: GroupEntry, makers: ReadonlySet<string>, middles: ReadonlySet<string>): PlannedEntry['part'] | 'skip' | undefined {
  const node = graphNode(graph, entry.node);
  const slot = node.params.find((binding) => binding.param === entry.param)?.slot;
  if (entry.indices.some((positions) => positions.length === 0)) return undefined;
  if (entry.effect === 'produces') return makers.has(node.name) ? (slot === 'bias' ? 'source-bias' : 'source') : undefined;
  if (entry.effect === 'reads') {
    const binding = node.params.find((candidate) => candidate.param === entry.param);
    if (!KERNEL_OPS.has(node.op) || binding?.axes.some((axis) => axis.recurrent === true) === true) return undefined;
    return 'reader';
  }
  if (makers.has(node.name)) return slot === 'bias' ? 'source-bias' : undefined;
  if (middles.has(node.name)) {
    if (entry.indices.some((positions) => positions.length !== 1)) return undefined;
    return slot === 'bias' ? 'middle-bias' : 'middle';
  }
  // A PReLU's slopes act on the sign alone, which a positive scaling keeps.
  if ((node.op === 'PReLU' || node.op === 'Prelu') && slot !== 'bias') return 'skip';
  // A separate bias add right after a maker, with no depthwise layer that could come first.
  if (node.op === 'BiasAdd' && middles.size === 0) return 'source-bias';
  return undefined;
}

function commutes(node: GraphNode): boolean {
  if (node.op === 'Activation') return homogeneousActivation(node);
  if (node.op === 'ReLU') {
    // A ReLU capped at `max_value` (ReLU6) or shifted by `threshold` does not commute.
    const { max_value: cap, threshold } = node.attributes;
    return (cap === undefined || cap === null) && (threshold === undefined || threshold === null || threshold === 0);
  }
  return HOMOGENEOUS_OPS.has(node.op);
}

function homogeneousActivation(node: GraphNode): boolean {
  const activation = node.attributes.activation;
  if (activation !== undefined && activation !== null && !(typeof activation === 'string' && HOMOGENEOUS_ACTIVATIONS.has(activation))) return false;
  const fused = fusedOps(node.attributes);
  if (fused === undefined) return true;
  return fused.slice(1).every((op) => HOMOGENEOUS_FUSED.has(op)) && fused[0] === 'BiasAdd';
}

/** A GraphDef `fused_ops` list attribute as text, undefined where absent. */
function fusedOps(attributes: Readonly<Record<string, unknown>>): string[] | undefined {
  const value = attributes.fused_ops as { list?: { s?: unknown } } | undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  const texts = value.list?.s;
  if (!Array.isArray(texts)) return [];
  return texts.map((text) => (typeof text === 'string' ? safeDecode(text) : ''));
}

function safeDecode(text: string): string {
  try {
    return atob(text);
  } catch {
    return '';
  }
}

/**
 * True when every op a maker's output passes through before a reader (or the depthwise layer,
 * then on to a reader) commutes with positive scaling. The channel groups already say which
 * nodes couple; this only checks the ops on those paths, which the groups do not record.
 */
function pathsCommute(graph: ModelGraph, makers: ReadonlySet<string>, readers: ReadonlySet<string>, middles: ReadonlySet<string>): boolean {
  const seen = new Set<string>();
  const pending = [...makers];
  while (pending.length > 0) {
    const name = pending.pop()!;
    for (const edge of consumers(graph, name)) {
      if (edge.control === true || seen.has(edge.to) || readers.has(edge.to)) continue;
      seen.add(edge.to);
      const node = graphNode(graph, edge.to);
      if (!middles.has(node.name) && !commutes(node)) return false;
      pending.push(node.name);
    }
  }
  return true;
}
