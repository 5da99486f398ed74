/**
 * A model's computation as a format-neutral graph: ops named by strings, attributes as plain
 * data, params bound by name. Keras topologies and GraphDefs read into it; another format (ONNX)
 * can read into the same types.
 */

/**
 * One axis of a param that is indexed by a node's channels.
 *
 * - `side`: whether the node's input channels or its output channels index the axis. A
 *   pass-through node (a norm, a depthwise conv) has one channel space on both sides.
 * - `copies`: entries per channel (RNN gates: 3 or 4; a depthwise multiplier); usually 1.
 * - `arrangement`: where channel `c` of `n` lands: `contiguous` at `c * copies + k`, `strided` at
 *   `k * n + c` (gate blocks).
 * - `recurrent`: the axis reads the node's own output channels fed back to it (an RNN's
 *   recurrent kernel rows), so the channel's influence flows through it.
 */
export interface ChannelAxis {
  readonly axis: number;
  readonly side: 'input' | 'output';
  readonly copies: number;
  readonly arrangement: 'contiguous' | 'strided';
  readonly recurrent?: boolean;
}

/** A param a node uses: its name in the model, its slot in the node, and its channel axes. */
export interface ParamBinding {
  /** The param's name in the model (`dense/kernel`). */
  readonly param: string;
  /** The param's part in the node (`kernel`, `bias`, `gamma`; a GraphDef op's input name `b`). */
  readonly slot: string;
  /** The axes that channels index; empty where the node is not understood. */
  readonly axes: readonly ChannelAxis[];
}

/** One node: a layer, an op, an input or a constant. */
export interface GraphNode {
  readonly name: string;
  /** The layer class (`Dense`) or op (`MatMul`). */
  readonly op: string;
  /** The layer's config or the op's attributes, as plain data, verbatim. */
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly params: readonly ParamBinding[];
  /** Format-specific fields of the node kept for writing back (a GraphDef node's `device`). */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** A tensor flowing from output `output` of node `from` into input `input` of node `to`. */
export interface GraphEdge {
  readonly from: string;
  readonly output: number;
  readonly to: string;
  readonly input: number;
  /** An ordering dependency that carries no data (a GraphDef `^name` input). */
  readonly control?: boolean;
  /** Per-call arguments (Keras inbound-node kwargs), kept verbatim. */
  readonly attributes?: Readonly<Record<string, unknown>>;
}

/** A tensor the model returns. */
export interface GraphOutput {
  readonly node: string;
  readonly output: number;
}

/**
 * Where a graph came from; its writer and its op rules are chosen by this. whittle reads
 * `keras` and `graph-def`; a reader for another format (`onnx`) names its own, and its nodes
 * read as not understood until rules for its ops exist.
 */
export type GraphFormat = 'keras' | 'graph-def' | (string & {});

/**
 * A model's graph. Nodes are in the order the source lists them (see `topologicalOrder`);
 * `attributes` keeps the format's graph-level fields (a Keras model's name and version, a
 * GraphDef's `library` and `versions`) for writing back.
 */
export interface ModelGraph {
  readonly format: GraphFormat;
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  readonly inputs: readonly string[];
  readonly outputs: readonly GraphOutput[];
  readonly attributes: Readonly<Record<string, unknown>>;
}

/**
 * How a param's entries along one axis belong to a group's channels: `indices[c]` lists the
 * positions along `axis` that channel `c` of the group owns.
 *
 * `effect` says what the node does with the channel: `produces` it (a Dense kernel's columns),
 * `carries` it through (a norm's gamma), or `reads` it (the next Dense kernel's rows, an RNN's
 * recurrent rows). When every `reads` entry of a channel is zero, the channel influences nothing.
 */
export interface GroupEntry {
  readonly node: string;
  readonly param: string;
  readonly axis: number;
  readonly effect: 'produces' | 'carries' | 'reads';
  readonly indices: readonly (readonly number[])[];
}

/**
 * Channels that must be pruned together (Torch-Pruning's dependency group): removing channel `c`
 * removes `indices[c]` from every entry. `reasons` says why a group is not prunable (it feeds a
 * model output, an op that is not understood); `caveats` names nodes that still accept the
 * slice but whose other channels' values change with it (a LayerNormalization normalises over
 * every channel).
 */
export interface ChannelGroup {
  readonly id: number;
  readonly channels: number;
  readonly prunable: boolean;
  readonly reasons: readonly string[];
  readonly caveats: readonly string[];
  readonly entries: readonly GroupEntry[];
  /** Nodes whose channel-count attribute (`units`, `filters`) follows the group's size. */
  readonly resizes: readonly ChannelCountAttribute[];
  /** Shape constants (a Reshape's target) whose entry counts channels of the group. */
  readonly shapes: readonly ShapeEntry[];
}

/**
 * An entry of a shape constant that counts flattened channels: `indices[c]` lists the flattened
 * positions channel `c` owns, so removing channels lowers `param[position]` by their count.
 */
export interface ShapeEntry {
  readonly node: string;
  readonly param: string;
  readonly position: number;
  readonly indices: readonly (readonly number[])[];
}

/** An attribute that holds a node's channel count, and the count it has. */
export interface ChannelCountAttribute {
  readonly node: string;
  readonly attribute: string;
}
