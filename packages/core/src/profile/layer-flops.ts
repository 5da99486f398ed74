/**
 * Multiply-adds of one Keras layer for given input shapes: the products of its weights with its
 * inputs (matrix products and convolutions), the work that dominates a layer's time.
 */
import { convolutionOutputLength, isPositiveInteger, readConvolutionConfig } from './convolution-geometry.ts';

/** A layer's multiply-adds, or null with the reason they are not counted. */
export interface LayerFlops {
  readonly flops: number | null;
  readonly reason?: string;
}

/** Gate blocks of each recurrent layer: an LSTM computes four gates, a GRU three. */
const RECURRENT_GATES: Readonly<Record<string, number>> = { LSTM: 4, GRU: 3, SimpleRNN: 1 };

/** Norm layers: at inference a scale and a shift per element, one multiply-add. */
const NORM_LAYERS = new Set(['BatchNormalization', 'LayerNormalization']);

/**
 * Layers that multiply no weights with their inputs: activations, reshapes, pooling, merges and
 * noise. Their element-wise work is not counted (0), as multiply-add counts conventionally do.
 */
const WEIGHTLESS_LAYERS = new Set([
  'InputLayer', 'Activation', 'ReLU', 'LeakyReLU', 'ELU', 'Softmax', 'ThresholdedReLU', 'Flatten', 'Reshape', 'Permute',
  'RepeatVector', 'Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout',
  'MaxPooling1D', 'MaxPooling2D', 'MaxPooling3D', 'AveragePooling1D', 'AveragePooling2D', 'AveragePooling3D',
  'GlobalAveragePooling1D', 'GlobalAveragePooling2D', 'GlobalMaxPooling1D', 'GlobalMaxPooling2D', 'Add', 'Subtract',
  'Multiply', 'Average', 'Maximum', 'Minimum', 'Concatenate', 'ZeroPadding2D', 'Cropping2D', 'UpSampling2D', 'Masking',
  'Rescaling', 'CenterCrop', 'Resizing',
]);

/**
 * The multiply-adds of a Keras layer of class `op` with config `config` on inputs of
 * `inputShapes` (batch axis first), for the whole batch. Bias adds, activations and other
 * element-wise work are not counted, except one multiply-add per element for a norm layer. A
 * class whose arithmetic is not known here, or shapes that do not fit the layer, give null and
 * the reason.
 *
 * - Dense: `elements(input) × units`
 * - ConvND: `batch × outputPositions × filters × kernelTaps × inputChannels / groups`
 * - DepthwiseConv2D: `batch × outputPositions × inputChannels × multiplier × kernelTaps`
 * - SeparableConv: the depthwise part plus `batch × outputPositions × inputChannels × multiplier × filters`
 * - Conv2DTranspose: `batch × inputPositions × inputChannels × kernelTaps × filters`
 * - LSTM, GRU, SimpleRNN: `batch × steps × gates × units × (inputFeatures + units)` (a GRU's
 *   `reset_after` moves a bias, not a product)
 *
 * @example
 * ```ts
 * layerFlops('Dense', { units: 10 }, [[1, 784]]); // { flops: 7840 }
 * layerFlops('Conv2D', { filters: 8, kernel_size: [3, 3], padding: 'valid' }, [[1, 28, 28, 1]]); // { flops: 48672 }
 * ```
 */
export function layerFlops(op: string, config: Readonly<Record<string, unknown>>, inputShapes: readonly (readonly number[])[]): LayerFlops {
  if (WEIGHTLESS_LAYERS.has(op)) return { flops: 0 };
  if (inputShapes.length !== 1) return unknown(`a ${op} layer is counted for one input, not ${inputShapes.length}`);
  const shape = inputShapes[0]!;
  if (!shape.every((extent) => Number.isSafeInteger(extent) && extent >= 0)) return unknown(`the input shape of a ${op} layer is not known`);
  if (NORM_LAYERS.has(op)) return { flops: elements(shape) };
  if (op === 'Dense') {
    if (!isPositiveInteger(config.units) || shape.length < 2) return unknown('a Dense layer needs units and an input of rank 2 or more');
    return { flops: elements(shape) * config.units };
  }
  if (op === 'Embedding') return { flops: 0 };
  const gates = RECURRENT_GATES[op];
  if (gates !== undefined) {
    if (!isPositiveInteger(config.units) || shape.length !== 3) return unknown(`a ${op} layer needs units and a [batch, steps, features] input`);
    const [batch, steps, features] = shape as [number, number, number];
    return { flops: batch * steps * gates * config.units * (features + config.units) };
  }
  return convolutionFlops(op, config, shape);
}

const CONVOLUTION_RANKS: Readonly<Record<string, number>> = {
  Conv1D: 1, Conv2D: 2, Conv3D: 3, DepthwiseConv2D: 2, SeparableConv1D: 1, SeparableConv2D: 2, Conv2DTranspose: 2, Conv3DTranspose: 3,
};

function convolutionFlops(op: string, config: Readonly<Record<string, unknown>>, shape: readonly number[]): LayerFlops {
  const rank = CONVOLUTION_RANKS[op];
  if (rank === undefined) return unknown(`the multiply-adds of ${op} layers are not known`);
  const geometry = readConvolutionConfig(config, rank);
  if (geometry === undefined || shape.length !== rank + 2) return unknown(`the ${op} layer's config or input rank is not understood`);
  const channelAxis = geometry.channelsFirst ? 1 : rank + 1;
  const channels = shape[channelAxis]!;
  const spatial = geometry.channelsFirst ? shape.slice(2) : shape.slice(1, rank + 1);
  const batch = shape[0]!;
  const taps = product(geometry.kernel);
  if (op === 'Conv2DTranspose' || op === 'Conv3DTranspose') {
    if (!isPositiveInteger(config.filters)) return unknown(`a ${op} layer needs filters`);
    // Every input element is scattered through the whole kernel into each output channel.
    return { flops: batch * product(spatial) * channels * taps * config.filters };
  }
  const positions = product(spatial.map((length, axis) =>
    convolutionOutputLength(length, geometry.kernel[axis]!, geometry.strides[axis]!, geometry.dilations[axis]!, geometry.padding),
  ));
  if (op === 'DepthwiseConv2D' || op.startsWith('SeparableConv')) {
    const multiplier = config.depth_multiplier ?? 1;
    if (!isPositiveInteger(multiplier)) return unknown(`a ${op} layer's depth_multiplier is not a positive integer`);
    const depthwise = batch * positions * channels * multiplier * taps;
    if (op === 'DepthwiseConv2D') return { flops: depthwise };
    if (!isPositiveInteger(config.filters)) return unknown(`a ${op} layer needs filters`);
    return { flops: depthwise + batch * positions * channels * multiplier * config.filters };
  }
  const groups = config.groups ?? 1;
  if (!isPositiveInteger(config.filters) || !isPositiveInteger(groups) || channels % groups !== 0) {
    return unknown(`a ${op} layer needs filters and groups that divide its input channels`);
  }
  return { flops: batch * positions * config.filters * taps * (channels / groups) };
}

function elements(shape: readonly number[]): number {
  return product(shape);
}

function product(values: readonly number[]): number {
  let result = 1;
  for (const value of values) result *= value;
  return result;
}

function unknown(reason: string): LayerFlops {
  return { flops: null, reason };
}
