/**
 * A Model's graph, read from whichever topology it holds, and the way back into a topology.
 */
import type { Model } from '../model/types.ts';
import { graphError, isRecord } from './graph-error.ts';
import { readGraphDef } from './read-graph-def.ts';
import { readKerasGraph } from './read-keras-graph.ts';
import type { ModelGraph } from './types.ts';
import { writeGraphDef } from './write-graph-def.ts';
import { writeKerasTopology } from './write-keras-topology.ts';

/**
 * The {@link ModelGraph} of a `tfjs-layers` (Keras topology) or `tfjs-graph` (GraphDef) model,
 * with each node's params bound by name. The topology may be the model.json fields (as
 * `readTfjsModel` keeps them) or the bare Keras config / GraphDef. Throws an `invalid-model`
 * WhittleError naming the field for a model without a graph or with a malformed one.
 *
 * @example
 * ```ts
 * const graph = readModelGraph(await readTfjsModel(json, loadShard));
 * graph.nodes.map((node) => node.op); // ['InputLayer', 'Conv2D', 'BatchNormalization', …]
 * ```
 */
export function readModelGraph(model: Model): ModelGraph {
  const topology = model.topology;
  if (!isRecord(topology)) graphError(`a ${model.format} model without a topology has no graph`, 'topology');
  const fields = Object.hasOwn(topology, 'modelTopology');
  const inner = fields ? topology.modelTopology : topology;
  if (model.format === 'tfjs-layers') return readKerasGraph(inner, model.params);
  if (model.format === 'tfjs-graph') return readGraphDef(inner, model.params, fields ? topology.signature : undefined);
  return graphError(`a ${model.format} model has no graph`, 'format');
}

/**
 * `model`'s topology with its graph replaced by `graph` written back (Keras JSON or GraphDef),
 * every other model.json field kept; `params` gives the shapes a GraphDef's constants record.
 *
 * @example
 * ```ts
 * const topology = topologyWithGraph(model, readModelGraph(model), model.params); // deep-equal to model.topology
 * ```
 */
export function topologyWithGraph(
  model: Model,
  graph: ModelGraph,
  params: ReadonlyMap<string, { readonly shape: readonly number[] }>,
): unknown {
  const written = graph.format === 'keras' ? writeKerasTopology(graph) : writeGraphDef(graph, params);
  const topology = model.topology;
  if (isRecord(topology) && Object.hasOwn(topology, 'modelTopology')) return { ...topology, modelTopology: written };
  return written;
}
