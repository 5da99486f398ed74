/**
 * Rewriting a model's graph: slicing a channel group, replacing a node by a chain, inserting a
 * node. Each step returns a new rewrite; `build` returns a new Model checked by `createModel`.
 */
import { createModel } from '../model/create-model.ts';
import type { Model, Param } from '../model/types.ts';
import { channelGroups } from './channel-groups.ts';
import { checkGraphShapes } from './check-graph-shapes.ts';
import type { NewNode } from './new-node.ts';
import { readModelGraph, topologyWithGraph } from './read-model-graph.ts';
import { insertNode, replaceNode } from './replace-node.ts';
import type { RewriteState } from './rewrite-state.ts';
import { sliceChannels } from './slice-channels.ts';
import type { ChannelGroup, ModelGraph } from './types.ts';

/** A model being rewritten. Every step returns a new rewrite; none changes the model. */
export interface ModelRewrite {
  /** The graph as rewritten so far. */
  readonly graph: ModelGraph;
  /** The params as rewritten so far, in order. */
  readonly params: ReadonlyMap<string, Param>;
  /** The channel groups of the graph as rewritten so far. */
  groups(): readonly ChannelGroup[];
  /** Keeps only channels `keep` of `group` in every param axis the group touches. */
  sliceChannels(group: ChannelGroup, keep: readonly number[]): ModelRewrite;
  /** Replaces node `name` by `chain`, run in order: the first reads its inputs, the last feeds its consumers. */
  replaceNode(name: string, chain: readonly NewNode[]): ModelRewrite;
  /** Inserts `node` after node `after`: it reads `after`'s first output and feeds all its consumers. */
  insertNode(after: string, node: NewNode): ModelRewrite;
  /**
   * The rewritten Model (its topology written back), its params checked to fit their inputs and
   * channel counts, then by `createModel`, and read again.
   */
  build(): Model;
}

/**
 * Starts rewriting `model` (a `tfjs-layers` or `tfjs-graph` model). Sliced params become dense
 * (float32 for float params); params left alone are shared with `model`. The built model loads
 * in stock `tf.loadLayersModel` / `tf.loadGraphModel` when the model did. Each step throws an
 * `invalid-argument` WhittleError naming what is wrong (an unprunable group and its reasons, an
 * unknown node, a missing or misshapen param) and leaves the rewrite it was called on intact.
 *
 * @example
 * ```ts
 * const rewrite = rewriteModel(model);
 * const [group] = rewrite.groups().filter((candidate) => candidate.prunable);
 * const smaller = rewrite.sliceChannels(group, [0, 2, 3]).build();
 * ```
 */
export function rewriteModel(model: Model): ModelRewrite {
  return rewriteOf({ base: model, graph: readModelGraph(model), params: [...model.params.values()] });
}

function rewriteOf(state: RewriteState): ModelRewrite {
  const params = new Map(state.params.map((param) => [param.name, param]));
  return {
    graph: state.graph,
    params,
    groups: () => channelGroups(state.graph, { format: state.base.format, topology: null, params }),
    sliceChannels: (group, keep) => rewriteOf(sliceChannels(state, params, group, keep)),
    replaceNode: (name, chain) => rewriteOf(replaceNode(state, name, chain)),
    insertNode: (after, node) => rewriteOf(insertNode(state, after, node)),
    build: () => {
      checkGraphShapes(state.graph, { format: state.base.format, topology: null, params });
      const topology = topologyWithGraph(state.base, state.graph, params);
      const built = createModel({ format: state.base.format, topology, params: state.params });
      readModelGraph(built);
      return built;
    },
  };
}
