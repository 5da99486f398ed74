/**
 * What a model costs: its parameters, and the multiply-adds of one forward pass for a given
 * input shape, counted layer by layer from the Keras topology (no tfjs needed).
 */
import { WhittleError, type Model } from '@whittle/core';
import { graphNode, producers, readModelGraph, topologicalOrder, type GraphNode } from '@whittle/core/graph';
import { boundParam, pairAttribute } from './teacher-model.ts';

/** The cost of one layer for one example. */
export interface LayerCost {
  /** The layer's name. */
  readonly name: string;
  /** Its class (`Conv2D`). */
  readonly op: string;
  /** Elements of the layer's params. */
  readonly params: number;
  /** Multiply-adds of its kernels for one example. */
  readonly multiplyAdds: number;
  /** Its output shape without the batch axis. */
  readonly outputShape: readonly number[];
}

/** What {@link modelCost} measures. */
export interface ModelCost {
  /** Elements of every param of the model. */
  readonly params: number;
  /**
   * Multiply-adds of one forward pass for one example: the kernels of Dense, Conv1D, Conv2D,
   * DepthwiseConv2D, SeparableConv2D, SimpleRNN, GRU and LSTM layers (the MobileNet convention;
   * biases, activations, norms and pooling are not counted). FLOPs are about twice this.
   */
  readonly multiplyAdds: number;
  /** Every layer, in the order the model runs them. */
  readonly layers: readonly LayerCost[];
}

/** Options of {@link modelCost}. */
export interface ModelCostOptions {
  /** The input shape without the batch axis; default the model's own (its `batch_input_shape`). */
  readonly inputShape?: readonly number[];
}

/** The largest input shape size accepted: a count past this no longer fits float64 integers. */
export const MAX_INPUT_ELEMENTS = 2 ** 40;

const SAME_SHAPE = new Set([
  'Activation', 'ReLU', 'LeakyReLU', 'ELU', 'PReLU', 'ThresholdedReLU', 'Softmax', 'Dropout', 'SpatialDropout1D',
  'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'BatchNormalization', 'LayerNormalization',
  'Masking', 'Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum',
]);

/**
 * The params and multiply-adds of `model` (a `tfjs-layers` model with one input) for one example
 * of `inputShape`. Shapes are carried through the graph as tfjs-layers computes them
 * (channels-last); a layer whose shape rule is not known here throws an `invalid-model`
 * WhittleError naming it, and a missing or bad input shape an `invalid-argument` one.
 *
 * @example
 * ```ts
 * const { params, multiplyAdds } = modelCost(model, { inputShape: [28, 28, 1] });
 * ```
 */
export function modelCost(model: Model, options: ModelCostOptions = {}): ModelCost {
  if (typeof model !== 'object' || model === null || model.format !== 'tfjs-layers') {
    throw new WhittleError('invalid-argument', 'modelCost measures tfjs-layers models', { field: 'model' });
  }
  const graph = readModelGraph(model);
  if (graph.inputs.length !== 1) {
    throw new WhittleError('invalid-argument', `modelCost measures models of one input, got ${graph.inputs.length}`, { field: 'model' });
  }
  const shapes = new Map<string, readonly number[]>();
  const layers: LayerCost[] = [];
  for (const name of topologicalOrder(graph)) {
    const node = graphNode(graph, name);
    const inputs = producers(graph, name)
      .filter((edge) => edge.control !== true)
      .sort((left, right) => left.input - right.input)
      .map((edge) => shapes.get(`${edge.from}:${edge.output}`));
    if (inputs.some((shape) => shape === undefined)) {
      throw new WhittleError('invalid-model', `${node.op} ${JSON.stringify(name)} reads an output whose shape is unknown`, { field: layerField(node) });
    }
    const known = inputs as (readonly number[])[];
    const { outputShape, multiplyAdds } = node.op === 'InputLayer' ? { outputShape: inputShape(node, options.inputShape), multiplyAdds: 0 } : layerCost(node, known, model);
    shapes.set(`${name}:0`, outputShape);
    const params = node.params.reduce((total, binding) => total + (model.params.get(binding.param)?.shape.reduce((size, axis) => size * axis, 1) ?? 0), 0);
    layers.push({ name, op: node.op, params, multiplyAdds, outputShape });
  }
  let params = 0;
  for (const param of model.params.values()) params += param.shape.reduce((size, axis) => size * axis, 1);
  return { params, multiplyAdds: layers.reduce((total, layer) => total + layer.multiplyAdds, 0), layers };
}

/**
 * {@link modelCost} of a teacher and its student on the same input shape, and the ratios
 * teacher / student of their params and multiply-adds.
 *
 * @example
 * ```ts
 * const { parameterRatio, multiplyAddRatio } = compareCost(teacher, separable(teacher));
 * ```
 */
export function compareCost(
  before: Model,
  after: Model,
  options: ModelCostOptions = {},
): { before: ModelCost; after: ModelCost; parameterRatio: number; multiplyAddRatio: number } {
  const beforeCost = modelCost(before, options);
  const afterCost = modelCost(after, options);
  return {
    before: beforeCost,
    after: afterCost,
    parameterRatio: beforeCost.params / afterCost.params,
    multiplyAddRatio: beforeCost.multiplyAdds / afterCost.multiplyAdds,
  };
}

function layerField(node: GraphNode): string {
  return `layers[${JSON.stringify(node.name)}]`;
}

function inputShape(node: GraphNode, given: readonly number[] | undefined): readonly number[] {
  const field = given === undefined ? `${layerField(node)}.batch_input_shape` : 'options.inputShape';
  let shape: unknown = given;
  if (shape === undefined) {
    const declared = node.attributes.batch_input_shape;
    shape = Array.isArray(declared) ? declared.slice(1) : declared;
  }
  if (!Array.isArray(shape) || shape.length === 0 || shape.some((size) => typeof size !== 'number' || !Number.isSafeInteger(size) || size < 1)) {
    throw new WhittleError('invalid-argument', 'the input shape needs every size as a positive integer: pass options.inputShape', { field });
  }
  if (shape.reduce((total: number, size: number) => total * size, 1) > MAX_INPUT_ELEMENTS) {
    throw new WhittleError('invalid-argument', `the input shape holds more than ${MAX_INPUT_ELEMENTS} elements`, { field });
  }
  return shape as number[];
}

function fail(node: GraphNode, message: string): never {
  throw new WhittleError('invalid-model', `${node.op} ${JSON.stringify(node.name)}: ${message}`, { field: layerField(node) });
}

function positiveInteger(node: GraphNode, attribute: string, fallback?: number): number {
  const value = node.attributes[attribute] ?? fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) fail(node, `${attribute} must be a positive integer`);
  return value;
}

function ofRank(node: GraphNode, shape: readonly number[] | undefined, rank: number): readonly number[] {
  if (shape === undefined || shape.length !== rank) fail(node, `expects an input of rank ${rank + 1} with the batch axis`);
  return shape;
}

function spatial(size: number, kernel: number, stride: number, dilation: number, padding: unknown, node: GraphNode): number {
  if (padding === 'same') return Math.ceil(size / stride);
  if (padding !== 'valid' && padding !== undefined) fail(node, `padding ${JSON.stringify(padding)} is not measured`);
  const span = (kernel - 1) * dilation + 1;
  if (size < span) fail(node, `its kernel spans ${span} positions of an input of ${size}`);
  return Math.floor((size - span) / stride) + 1;
}

function checkChannelsLast(node: GraphNode): void {
  const format = node.attributes.data_format;
  if (format !== undefined && format !== null && format !== 'channels_last') fail(node, 'only channels_last is measured');
}

function layerCost(node: GraphNode, inputs: readonly (readonly number[])[], model: Model): { outputShape: readonly number[]; multiplyAdds: number } {
  const input = inputs[0];
  const product = (shape: readonly number[]): number => shape.reduce((total, size) => total * size, 1);
  switch (node.op) {
    case 'Dense': {
      if (input === undefined || input.length === 0) fail(node, 'expects an input');
      const units = positiveInteger(node, 'units');
      const inputs = input[input.length - 1]!;
      return { outputShape: [...input.slice(0, -1), units], multiplyAdds: product(input.slice(0, -1)) * inputs * units };
    }
    case 'Conv2D':
    case 'DepthwiseConv2D':
    case 'SeparableConv2D': {
      checkChannelsLast(node);
      const [height, width, channels] = ofRank(node, input, 3) as [number, number, number];
      const [kernelHeight, kernelWidth] = pairAttribute(node, 'kernel_size');
      const [strideHeight, strideWidth] = pairAttribute(node, 'strides', [1, 1]);
      const [dilationHeight, dilationWidth] = pairAttribute(node, 'dilation_rate', [1, 1]);
      const outHeight = spatial(height, kernelHeight, strideHeight, dilationHeight, node.attributes.padding, node);
      const outWidth = spatial(width, kernelWidth, strideWidth, dilationWidth, node.attributes.padding, node);
      const positions = outHeight * outWidth;
      const area = kernelHeight * kernelWidth;
      if (node.op === 'Conv2D') {
        const filters = positiveInteger(node, 'filters');
        return { outputShape: [outHeight, outWidth, filters], multiplyAdds: positions * area * channels * filters };
      }
      const multiplier = positiveInteger(node, 'depth_multiplier', 1);
      const depthwise = positions * area * channels * multiplier;
      if (node.op === 'DepthwiseConv2D') return { outputShape: [outHeight, outWidth, channels * multiplier], multiplyAdds: depthwise };
      const filters = positiveInteger(node, 'filters');
      return { outputShape: [outHeight, outWidth, filters], multiplyAdds: depthwise + positions * channels * multiplier * filters };
    }
    case 'Conv1D': {
      checkChannelsLast(node);
      const [length, channels] = ofRank(node, input, 2) as [number, number];
      const kernel = positiveInteger(node, 'kernel_size', undefined);
      const out = spatial(length, kernel, positiveInteger(node, 'strides', 1), positiveInteger(node, 'dilation_rate', 1), node.attributes.padding, node);
      const filters = positiveInteger(node, 'filters');
      return { outputShape: [out, filters], multiplyAdds: out * kernel * channels * filters };
    }
    case 'SimpleRNN':
    case 'GRU':
    case 'LSTM': {
      const [steps, features] = ofRank(node, input, 2) as [number, number];
      const units = positiveInteger(node, 'units');
      const gates = node.op === 'LSTM' ? 4 : node.op === 'GRU' ? 3 : 1;
      if (node.attributes.return_state === true) fail(node, 'a layer that returns its state is not measured');
      return {
        outputShape: node.attributes.return_sequences === true ? [steps, units] : [units],
        multiplyAdds: steps * gates * units * (features + units),
      };
    }
    case 'Embedding': {
      const dimension = boundParam(model.params, node, 'embeddings')?.shape[1];
      if (input === undefined || dimension === undefined) fail(node, 'has no embeddings');
      return { outputShape: [...input, dimension], multiplyAdds: 0 };
    }
    case 'Flatten':
      if (input === undefined) fail(node, 'expects an input');
      return { outputShape: [product(input)], multiplyAdds: 0 };
    case 'Reshape':
      return { outputShape: reshaped(node, input), multiplyAdds: 0 };
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      checkChannelsLast(node);
      const [height, width, channels] = ofRank(node, input, 3) as [number, number, number];
      const pool = pairAttribute(node, 'pool_size', [2, 2]);
      const strides = pairAttribute(node, 'strides', pool);
      return {
        outputShape: [spatial(height, pool[0], strides[0], 1, node.attributes.padding, node), spatial(width, pool[1], strides[1], 1, node.attributes.padding, node), channels],
        multiplyAdds: 0,
      };
    }
    case 'GlobalAveragePooling1D':
    case 'GlobalMaxPooling1D':
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D': {
      const rank = node.op.endsWith('1D') ? 2 : 3;
      const shape = ofRank(node, input, rank);
      return { outputShape: [shape[rank - 1]!], multiplyAdds: 0 };
    }
    case 'Concatenate': {
      const axis = node.attributes.axis ?? -1;
      const rank = input?.length ?? 0;
      if (typeof axis !== 'number' || !Number.isSafeInteger(axis) || rank === 0) fail(node, 'has no valid axis');
      // Keras counts the axis with the batch axis first.
      const at = axis < 0 ? rank + axis : axis - 1;
      if (at < 0 || at >= rank || inputs.some((shape) => shape.length !== rank)) fail(node, 'joins inputs of different ranks');
      const outputShape = [...input!];
      outputShape[at] = inputs.reduce((total, shape) => total + shape[at]!, 0);
      return { outputShape, multiplyAdds: 0 };
    }
    default:
      if (SAME_SHAPE.has(node.op) && input !== undefined) return { outputShape: input, multiplyAdds: 0 };
      fail(node, 'whittle does not know this layer\'s output shape');
  }
}

function reshaped(node: GraphNode, input: readonly number[] | undefined): readonly number[] {
  const target = node.attributes.target_shape;
  if (input === undefined || !Array.isArray(target) || target.some((size) => typeof size !== 'number' || !Number.isSafeInteger(size) || (size < 1 && size !== -1))) {
    fail(node, 'has no valid target_shape');
  }
  const total = input.reduce((product, size) => product * size, 1);
  const known = (target as number[]).filter((size) => size !== -1).reduce((product, size) => product * size, 1);
  const free = (target as number[]).filter((size) => size === -1).length;
  if (free > 1 || (free === 0 && known !== total) || (free === 1 && total % known !== 0)) fail(node, `cannot reshape ${total} elements to [${target.join(', ')}]`);
  return (target as number[]).map((size) => (size === -1 ? total / known : size));
}
