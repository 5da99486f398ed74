/**
 * The runner's engine for TensorFlow graphs: a tfjs-converter GraphModel loaded through whittle's
 * IOHandler, so every encoding runs as the dense weights it decodes to.
 */
import type * as tfconverter from '@tensorflow/tfjs-converter';
import type * as tf from '@tensorflow/tfjs-core';
import { WhittleError } from '../errors.ts';
import type { CaptureTarget, ModelEngine } from './model-engine.ts';

/** The GraphDef fields the engine reads: each node's name, op and inputs. */
interface GraphNode {
  readonly name: string;
  readonly op: string;
  readonly input: readonly string[];
}

/**
 * A {@link ModelEngine} over a GraphModel. A "layer" is a graph node: captured by node name (the
 * node's first data input) or by the name of a weight (the other data input of the first node
 * that consumes it: the activations a MatMul or Conv2D multiplies the weight with).
 *
 * @example
 * ```ts
 * const engine = graphEngine(await tfconverter.loadGraphModel(whittleIOHandler(model)), modelTopology);
 * ```
 */
export function graphEngine(graphModel: tfconverter.GraphModel, graphDef: unknown): ModelEngine {
  const nodes = graphNodes(graphDef);
  const inputNames = graphModel.inputs.map((input) => input.name);
  const feed = (inputs: readonly tf.Tensor[]): tf.NamedTensorMap => {
    if (inputs.length !== inputNames.length) {
      throw new WhittleError('invalid-argument', `the graph takes ${inputNames.length} input(s), got ${inputs.length}`, { field: 'inputs' });
    }
    return Object.fromEntries(inputNames.map((name, index) => [name, inputs[index]!]));
  };
  return {
    kind: 'graph',
    inputs: graphModel.inputs.map((input) => ({ name: input.name, shape: input.shape?.map((size) => (size < 0 ? null : size)) })),
    run: (inputs) => asList(graphModel.execute(feed(inputs), graphModel.outputNodes)),
    resolve: (names) => names.map((name) => ({ requested: name, layer: inputOf(nodes, name) })),
    capture: (inputs, targets) => asList(graphModel.execute(feed(inputs), targets.map(({ layer }) => layer))),
    dispose: () => graphModel.dispose(),
  };
}

function asList(outputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(outputs) ? outputs : [outputs];
}

/** The tensor name (`node` or `node:1`) that feeds the node or weight `name`. */
function inputOf(nodes: ReadonlyMap<string, GraphNode>, name: string): string {
  const node = nodes.get(name);
  if (node === undefined) {
    throw new WhittleError('invalid-argument', `the graph has no node or weight named ${JSON.stringify(name)}`, { field: 'layers' });
  }
  if (node.op !== 'Const') {
    const [first] = dataInputs(node);
    if (first === undefined) throw new WhittleError('invalid-argument', `graph node ${JSON.stringify(name)} has no input to capture`, { field: 'layers' });
    return first;
  }
  for (const consumer of nodes.values()) {
    const inputs = dataInputs(consumer);
    if (!inputs.some((input) => nodeName(input) === name)) continue;
    const other = inputs.find((input) => nodeName(input) !== name && nodes.get(nodeName(input))?.op !== 'Const');
    if (other !== undefined) return other;
  }
  throw new WhittleError('invalid-argument', `no graph node multiplies the weight ${JSON.stringify(name)} with activations`, { field: 'layers' });
}

function dataInputs(node: GraphNode): string[] {
  // `^name` is a control dependency, not data.
  return node.input.filter((input) => !input.startsWith('^'));
}

function nodeName(input: string): string {
  const colon = input.lastIndexOf(':');
  return colon > 0 && /^\d+$/.test(input.slice(colon + 1)) ? input.slice(0, colon) : input;
}

function graphNodes(graphDef: unknown): Map<string, GraphNode> {
  const nodes = new Map<string, GraphNode>();
  const list = (graphDef as { node?: unknown } | null)?.node;
  if (!Array.isArray(list)) return nodes;
  for (const node of list) {
    if (typeof node !== 'object' || node === null) continue;
    const { name, op, input } = node as Record<string, unknown>;
    if (typeof name !== 'string' || typeof op !== 'string') continue;
    nodes.set(name, { name, op, input: Array.isArray(input) ? input.filter((item): item is string => typeof item === 'string') : [] });
  }
  return nodes;
}
