/**
 * Reading a Keras / tfjs-layers topology (Sequential or functional) into a ModelGraph.
 */
import type { Param } from '../model/types.ts';
import { describeValue } from '../tensor/shape.ts';
import { graphError, isRecord, quote } from './graph-error.ts';
import { topologicalOrder } from './graph-queries.ts';
import { KERAS_MODEL_CLASSES, kerasWeights } from './keras-layers.ts';
import type { GraphEdge, GraphNode, GraphOutput, ModelGraph, ParamBinding } from './types.ts';

/** Output indices above this are refused rather than trusted (no Keras layer has so many). */
export const MAX_OUTPUT_INDEX = 4096;

const LAYER_FIELDS = new Set(['class_name', 'config', 'name', 'inbound_nodes']);
const CONFIG_FIELDS = new Set(['name', 'layers', 'input_layers', 'output_layers']);

interface RawLayer {
  readonly className: string;
  readonly name: string;
  readonly config: Record<string, unknown>;
  readonly record: Record<string, unknown>;
  readonly field: string;
}

/**
 * Reads a Keras topology into a {@link ModelGraph}, binding each layer's weights to the params
 * named `<layer>/<weight>`. Accepts a Sequential (including the legacy bare list of layers) or
 * functional (`Model`, `Functional`) config, bare or in the converter's `{ model_config }`
 * wrapper. Refuses, naming the layer: shared layers (a layer called more than once), nested
 * models, Lambda layers, inbound nodes naming missing layers, a declared weight the model lacks,
 * and cycles.
 *
 * @example
 * ```ts
 * const graph = readKerasGraph(layersModelJson.modelTopology, model.params);
 * graph.nodes.map((node) => node.op); // ['InputLayer', 'Dense', 'Dense']
 * ```
 */
export function readKerasGraph(topology: unknown, params: ReadonlyMap<string, Param>): ModelGraph {
  let root = topology;
  let field = 'modelTopology';
  let wrapper: Record<string, unknown> | undefined;
  if (isRecord(root) && Object.hasOwn(root, 'model_config')) {
    wrapper = withoutKeys(root, new Set(['model_config']));
    root = root.model_config;
    field = `${field}.model_config`;
  }
  if (!isRecord(root)) graphError(`expected a Keras model object, got ${describeValue(root)}`, field);
  const className = root.class_name;
  if (typeof className !== 'string' || !KERAS_MODEL_CLASSES.has(className)) {
    graphError(`expected a Sequential or functional model, got class ${describeValue(className)}`, `${field}.class_name`);
  }
  const rootExtra = withoutKeys(root, new Set(['class_name', 'config']));
  const config = root.config;
  const legacyList = Array.isArray(config);
  if (!legacyList && !isRecord(config)) graphError(`expected an object, got ${describeValue(config)}`, `${field}.config`);
  const layersValue = legacyList ? config : config.layers;
  const layersField = legacyList ? `${field}.config` : `${field}.config.layers`;
  if (!Array.isArray(layersValue)) graphError(`layers must be an array, got ${describeValue(layersValue)}`, layersField);
  const layers = layersValue.map((value, index) =>
    readLayer(value, `${layersField}[${index}]`, className === 'Sequential'),
  );
  const names = new Set<string>();
  for (const layer of layers) {
    if (names.has(layer.name)) graphError(`two layers are named ${quote(layer.name)}`, `${layer.field}.name`);
    names.add(layer.name);
  }
  const attributes: Record<string, unknown> = {
    className,
    extra: rootExtra,
    ...(wrapper === undefined ? {} : { wrapper }),
    ...(legacyList ? { legacyList: true } : { name: config.name, configExtra: withoutKeys(config, CONFIG_FIELDS) }),
  };
  const built =
    className === 'Sequential'
      ? sequentialGraph(layers, names, layersField)
      : functionalGraph(layers, names, config as Record<string, unknown>, field);
  const owned = paramsByLayer(params);
  const nodes = built.nodes.map((node) => bindParams(node, params, owned));
  const graph: ModelGraph = {
    format: 'keras',
    nodes,
    edges: built.edges,
    inputs: built.inputs,
    outputs: built.outputs,
    attributes,
  };
  topologicalOrder(graph);
  return graph;
}

function readLayer(value: unknown, field: string, sequential: boolean): RawLayer {
  if (!isRecord(value)) graphError(`expected a layer object, got ${describeValue(value)}`, field);
  const className = value.class_name;
  if (typeof className !== 'string') graphError(`expected a string, got ${describeValue(className)}`, `${field}.class_name`);
  const config = value.config;
  if (!isRecord(config)) graphError(`expected an object, got ${describeValue(config)}`, `${field}.config`);
  // Functional models repeat the name beside the config; Sequential ones keep it inside.
  const name = sequential ? config.name ?? value.name : value.name ?? config.name;
  if (typeof name !== 'string' || name.length === 0)
    graphError(`a layer needs a non-empty name, got ${describeValue(name)}`, `${field}.name`);
  if (KERAS_MODEL_CLASSES.has(className)) {
    graphError(
      `layer ${quote(name)} is a nested model (${className}); flatten it into one model first`,
      `${field}.class_name`,
    );
  }
  if (className === 'Lambda')
    graphError(`layer ${quote(name)} is a Lambda layer, whose code a topology cannot hold`, `${field}.class_name`);
  return { className, name, config, record: value, field };
}

function sequentialGraph(
  layers: readonly RawLayer[],
  names: ReadonlySet<string>,
  field: string,
): { nodes: GraphNode[]; edges: GraphEdge[]; inputs: string[]; outputs: GraphOutput[] } {
  if (layers.length === 0) graphError('a Sequential model needs at least one layer', field);
  const nodes: GraphNode[] = [];
  const first = layers[0]!;
  let previous: string;
  let rest = layers;
  if (first.className === 'InputLayer') {
    nodes.push(layerNode(first));
    previous = first.name;
    rest = layers.slice(1);
  } else {
    // tfjs-layers names the input a Sequential model makes for itself `<first layer>_input`.
    let name = `${first.name}_input`;
    while (names.has(name)) name = `${name}_`;
    const shape = first.config.batch_input_shape ?? first.config.batchInputShape;
    const attributes: Record<string, unknown> = shape === undefined ? {} : { batch_input_shape: shape };
    if (first.config.dtype !== undefined) attributes.dtype = first.config.dtype;
    nodes.push({ name, op: 'InputLayer', attributes, params: [], metadata: { implicit: true } });
    previous = name;
  }
  const inputs = [previous];
  const edges: GraphEdge[] = [];
  for (const layer of rest) {
    if (layer.className === 'InputLayer')
      graphError(`only the first layer of a Sequential model may be an InputLayer`, `${layer.field}.class_name`);
    nodes.push(layerNode(layer));
    edges.push({ from: previous, output: 0, to: layer.name, input: 0 });
    previous = layer.name;
  }
  return { nodes, edges, inputs, outputs: [{ node: previous, output: 0 }] };
}

function functionalGraph(
  layers: readonly RawLayer[],
  names: ReadonlySet<string>,
  config: Record<string, unknown>,
  field: string,
): { nodes: GraphNode[]; edges: GraphEdge[]; inputs: string[]; outputs: GraphOutput[] } {
  const edges: GraphEdge[] = [];
  for (const layer of layers) {
    const inbound = layer.record.inbound_nodes ?? [];
    const inboundField = `${layer.field}.inbound_nodes`;
    if (!Array.isArray(inbound)) graphError(`expected an array, got ${describeValue(inbound)}`, inboundField);
    if (inbound.length > 1) {
      graphError(
        `layer ${quote(layer.name)} is called ${inbound.length} times; shared layers are not supported`,
        inboundField,
      );
    }
    if (inbound.length === 0) continue;
    const call = inbound[0];
    if (!Array.isArray(call)) {
      graphError(
        `expected a list of inbound tensors (the tfjs-layers / Keras 2 form), got ${describeValue(call)}`,
        `${inboundField}[0]`,
      );
    }
    call.forEach((reference: unknown, input) => {
      const at = `${inboundField}[0][${input}]`;
      const { name, output, kwargs } = readReference(reference, at, names, layer.name);
      edges.push(
        kwargs === undefined
          ? { from: name, output, to: layer.name, input }
          : { from: name, output, to: layer.name, input, attributes: kwargs },
      );
    });
  }
  const inputs = readEndpoints(config.input_layers, `${field}.config.input_layers`, names).map(
    (endpoint) => endpoint.node,
  );
  const outputs = readEndpoints(config.output_layers, `${field}.config.output_layers`, names);
  const classes = new Map(layers.map((layer) => [layer.name, layer.className]));
  for (const input of inputs) {
    if (classes.get(input) !== 'InputLayer') {
      graphError(`model input ${quote(input)} is not an InputLayer`, `${field}.config.input_layers`);
    }
  }
  return { nodes: layers.map(layerNode), edges, inputs, outputs };
}

function readReference(
  reference: unknown,
  field: string,
  names: ReadonlySet<string>,
  layer: string,
): { name: string; output: number; kwargs: Record<string, unknown> | undefined } {
  if (!Array.isArray(reference) || reference.length < 3 || reference.length > 4) {
    graphError(`expected [layer name, node index, tensor index, kwargs], got ${describeValue(reference)}`, field);
  }
  const [name, nodeIndex, output, kwargs] = reference as unknown[];
  if (typeof name !== 'string') graphError(`expected a layer name, got ${describeValue(name)}`, `${field}[0]`);
  if (!names.has(name))
    graphError(`layer ${quote(layer)} reads from ${quote(name)}, which is not a layer of the model`, `${field}[0]`);
  if (nodeIndex !== 0) {
    graphError(
      `layer ${quote(layer)} reads call ${describeValue(nodeIndex)} of ${quote(name)}; shared layers are not supported`,
      `${field}[1]`,
    );
  }
  readIndex(output, `${field}[2]`);
  if (kwargs !== undefined && !isRecord(kwargs))
    graphError(`expected an object of call arguments, got ${describeValue(kwargs)}`, `${field}[3]`);
  return { name, output: output as number, kwargs: kwargs as Record<string, unknown> | undefined };
}

function readEndpoints(value: unknown, field: string, names: ReadonlySet<string>): GraphOutput[] {
  if (!Array.isArray(value))
    graphError(`expected an array of [layer name, node index, tensor index], got ${describeValue(value)}`, field);
  return value.map((entry: unknown, index) => {
    const at = `${field}[${index}]`;
    if (!Array.isArray(entry) || entry.length !== 3)
      graphError(`expected [layer name, node index, tensor index], got ${describeValue(entry)}`, at);
    const [name, nodeIndex, output] = entry as unknown[];
    if (typeof name !== 'string' || !names.has(name))
      graphError(`${describeValue(name)} is not a layer of the model`, `${at}[0]`);
    if (nodeIndex !== 0)
      graphError(`call ${describeValue(nodeIndex)} of ${quote(name)}: shared layers are not supported`, `${at}[1]`);
    return { node: name, output: readIndex(output, `${at}[2]`) };
  });
}

function readIndex(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > MAX_OUTPUT_INDEX) {
    graphError(`expected a tensor index from 0 to ${MAX_OUTPUT_INDEX}, got ${describeValue(value)}`, field);
  }
  return value;
}

function layerNode(layer: RawLayer): GraphNode {
  const extra = withoutKeys(layer.record, LAYER_FIELDS);
  const node: GraphNode = { name: layer.name, op: layer.className, attributes: layer.config, params: [] };
  return Object.keys(extra).length === 0 ? node : { ...node, metadata: { extra } };
}

/** Params by the layer that owns them: their `layer` field, else the first segment of their name. */
function paramsByLayer(params: ReadonlyMap<string, Param>): Map<string, Param[]> {
  const owned = new Map<string, Param[]>();
  for (const param of params.values()) {
    const owner = param.layer ?? param.name.slice(0, Math.max(0, param.name.indexOf('/')));
    let list = owned.get(owner);
    if (list === undefined) owned.set(owner, (list = []));
    list.push(param);
  }
  return owned;
}

function bindParams(
  node: GraphNode,
  params: ReadonlyMap<string, Param>,
  owned: ReadonlyMap<string, Param[]>,
): GraphNode {
  if (node.op === 'InputLayer') return node;
  const weights = kerasWeights(node.op, node.attributes);
  if (weights === null) {
    // Weights of a layer whittle does not know are bound without channel axes.
    const prefix = `${node.name}/`;
    const bound = (owned.get(node.name) ?? [])
      .filter((param) => param.name.startsWith(prefix))
      .map((param): ParamBinding => ({ param: param.name, slot: param.name.slice(prefix.length), axes: [] }));
    return { ...node, params: bound };
  }
  const bound = weights.map((weight): ParamBinding => {
    const param = findParam(params, owned, node.name, weight.slot);
    if (param === undefined) {
      graphError(
        `layer ${quote(node.name)} declares weight ${quote(weight.slot)}, which the model lacks`,
        `params[${JSON.stringify(`${node.name}/${weight.slot}`)}]`,
      );
    }
    const axes = weight.axes(param.shape.length);
    if (axes === null) {
      graphError(
        `layer ${quote(node.name)}'s ${weight.slot} has shape [${param.shape.join(', ')}], of the wrong rank for ${
          node.op
        }`,
        `params[${JSON.stringify(param.name)}].shape`,
      );
    }
    return { param: param.name, slot: weight.slot, axes };
  });
  return { ...node, params: bound };
}

function findParam(
  params: ReadonlyMap<string, Param>,
  owned: ReadonlyMap<string, Param[]>,
  layer: string,
  slot: string,
): Param | undefined {
  const exact = params.get(`${layer}/${slot}`);
  if (exact !== undefined) return exact;
  // Converters may add scopes in front (`model/dense/kernel`); the param's layer field says whose it is.
  return owned.get(layer)?.find((param) => param.layer === layer && param.name.endsWith(`/${slot}`));
}

function withoutKeys(record: Record<string, unknown>, keys: ReadonlySet<string>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (!keys.has(key))
      Object.defineProperty(kept, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return kept;
}
