export type {
  ChannelAxis,
  ChannelCountAttribute,
  ChannelGroup,
  GraphEdge,
  GraphFormat,
  GraphNode,
  GraphOutput,
  GroupEntry,
  ModelGraph,
  ParamBinding,
  ShapeEntry,
} from './types.ts';
export { consumers, graphNode, producers, topologicalOrder } from './graph-queries.ts';
export { MAX_OUTPUT_INDEX, readKerasGraph } from './read-keras-graph.ts';
export { readGraphDef } from './read-graph-def.ts';
export { readModelGraph, topologyWithGraph } from './read-model-graph.ts';
export { writeKerasTopology } from './write-keras-topology.ts';
export { writeGraphDef } from './write-graph-def.ts';
export { channelGroups } from './channel-groups.ts';
export { MAX_CHANNEL_AXIS } from './channel-slots.ts';
export { rewriteModel, type ModelRewrite } from './rewrite-model.ts';
export type { NewNode } from './new-node.ts';
export { keepAlongAxis } from './keep-along-axis.ts';
