/**
 * What whittle knows of each Keras layer class: the weights it declares (slot, role, channel
 * axes) and how it moves channels.
 */
import type { ParamRole } from '../model/types.ts';
import {
  ELEMENTWISE_ACTIVATIONS,
  fixedRank,
  plusRank,
  sameRank,
  type ChannelRule,
  type RankRule,
} from './channel-rule.ts';
import { quote } from './graph-error.ts';
import type { ChannelAxis } from './types.ts';

/** One weight a layer declares: its slot, its role, and its channel axes for a given rank. */
export interface KerasWeight {
  readonly slot: string;
  readonly role: ParamRole;
  /** The channel axes of a param of this rank, or null when the rank cannot be this weight's. */
  readonly axes: (rank: number) => readonly ChannelAxis[] | null;
}

/** Classes that hold a whole model: refused as layers. */
export const KERAS_MODEL_CLASSES: ReadonlySet<string> = new Set(['Sequential', 'Model', 'Functional']);

const axis = (
  index: number,
  side: ChannelAxis['side'],
  copies = 1,
  arrangement: ChannelAxis['arrangement'] = 'contiguous',
): ChannelAxis => ({ axis: index, side, copies, arrangement });

const ofRank =
  (rank: number, build: () => readonly ChannelAxis[]) =>
  (actual: number): readonly ChannelAxis[] | null =>
    actual === rank ? build() : null;
const atLeast =
  (rank: number, build: (actual: number) => readonly ChannelAxis[]) =>
  (actual: number): readonly ChannelAxis[] | null =>
    actual >= rank ? build(actual) : null;

const perChannel = (side: ChannelAxis['side'], copies = 1, arrangement: ChannelAxis['arrangement'] = 'contiguous') =>
  ofRank(1, () => [axis(0, side, copies, arrangement)]);

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : fallback;
}

const RNN_GATES: Readonly<Record<string, number>> = { SimpleRNN: 1, GRU: 3, LSTM: 4 };

/**
 * The weights a layer of `className` declares, in the order tfjs-layers saves them, or null for
 * a class whose weights whittle does not know.
 *
 * @example
 * ```ts
 * kerasWeights('Dense', { units: 4, use_bias: false })?.map((weight) => weight.slot); // ['kernel']
 * ```
 */
export function kerasWeights(
  className: string,
  config: Readonly<Record<string, unknown>>,
): readonly KerasWeight[] | null {
  const bias: KerasWeight[] =
    config.use_bias === false ? [] : [{ slot: 'bias', role: 'bias', axes: perChannel('output') }];
  switch (className) {
    case 'Dense':
      return [
        { slot: 'kernel', role: 'dense-kernel', axes: ofRank(2, () => [axis(0, 'input'), axis(1, 'output')]) },
        ...bias,
      ];
    case 'Conv1D':
    case 'Conv2D':
    case 'Conv3D':
      return [
        {
          slot: 'kernel',
          role: 'conv2d-kernel',
          axes: atLeast(3, (rank) => [axis(rank - 2, 'input'), axis(rank - 1, 'output')]),
        },
        ...bias,
      ];
    case 'Conv2DTranspose':
    case 'Conv3DTranspose':
      return [
        {
          slot: 'kernel',
          role: 'conv2d-transpose-kernel',
          axes: atLeast(4, (rank) => [axis(rank - 2, 'output'), axis(rank - 1, 'input')]),
        },
        ...bias,
      ];
    case 'DepthwiseConv1D':
    case 'DepthwiseConv2D':
      return [
        { slot: 'depthwise_kernel', role: 'depthwise-kernel', axes: atLeast(3, (rank) => [axis(rank - 2, 'input')]) },
        ...bias,
      ];
    case 'SeparableConv1D':
    case 'SeparableConv2D': {
      const multiplier = numberOr(config.depth_multiplier, 1);
      return [
        { slot: 'depthwise_kernel', role: 'depthwise-kernel', axes: atLeast(3, (rank) => [axis(rank - 2, 'input')]) },
        {
          slot: 'pointwise_kernel',
          role: 'pointwise-kernel',
          axes: atLeast(3, (rank) => [axis(rank - 2, 'input', multiplier), axis(rank - 1, 'output')]),
        },
        ...bias,
      ];
    }
    case 'Embedding':
      return [{ slot: 'embeddings', role: 'embedding', axes: ofRank(2, () => [axis(1, 'output')]) }];
    case 'BatchNormalization': {
      const weights: KerasWeight[] = [];
      if (config.scale !== false) weights.push({ slot: 'gamma', role: 'norm-gamma', axes: perChannel('input') });
      if (config.center !== false) weights.push({ slot: 'beta', role: 'norm-beta', axes: perChannel('input') });
      weights.push({ slot: 'moving_mean', role: 'norm-mean', axes: perChannel('input') });
      weights.push({ slot: 'moving_variance', role: 'norm-variance', axes: perChannel('input') });
      return weights;
    }
    case 'LayerNormalization': {
      const weights: KerasWeight[] = [];
      if (config.scale !== false) weights.push({ slot: 'gamma', role: 'norm-gamma', axes: perChannel('input') });
      if (config.center !== false) weights.push({ slot: 'beta', role: 'norm-beta', axes: perChannel('input') });
      return weights;
    }
    case 'PReLU':
      return [{ slot: 'alpha', role: 'other', axes: atLeast(1, (rank) => [axis(rank - 1, 'input')]) }];
    case 'SimpleRNN':
    case 'GRU':
    case 'LSTM': {
      const gates = RNN_GATES[className]!;
      return [
        {
          slot: 'kernel',
          role: 'dense-kernel',
          axes: ofRank(2, () => [axis(0, 'input'), axis(1, 'output', gates, 'strided')]),
        },
        {
          slot: 'recurrent_kernel',
          role: 'dense-kernel',
          axes: ofRank(2, () => [{ ...axis(0, 'output'), recurrent: true }, axis(1, 'output', gates, 'strided')]),
        },
        ...(config.use_bias === false
          ? []
          : [
              {
                slot: 'bias',
                role: 'bias' as const,
                // Keras' GRU with reset_after keeps an input and a recurrent bias: [2, 3 * units].
                axes: (rank: number) =>
                  rank === 1 || rank === 2 ? [axis(rank - 1, 'output', gates, 'strided')] : null,
              },
            ]),
      ];
    }
    default:
      return NO_WEIGHTS.has(className) ? [] : null;
  }
}

const POOLING = [
  'MaxPooling1D',
  'MaxPooling2D',
  'MaxPooling3D',
  'AveragePooling1D',
  'AveragePooling2D',
  'AveragePooling3D',
  'ZeroPadding1D',
  'ZeroPadding2D',
  'ZeroPadding3D',
  'Cropping1D',
  'Cropping2D',
  'Cropping3D',
  'UpSampling1D',
  'UpSampling2D',
  'UpSampling3D',
  'SpatialDropout1D',
  'SpatialDropout2D',
  'SpatialDropout3D',
];
const GLOBAL_POOLING = [
  'GlobalAveragePooling1D',
  'GlobalAveragePooling2D',
  'GlobalAveragePooling3D',
  'GlobalMaxPooling1D',
  'GlobalMaxPooling2D',
  'GlobalMaxPooling3D',
];
const ELEMENTWISE_LAYERS = [
  'ReLU',
  'LeakyReLU',
  'ELU',
  'ThresholdedReLU',
  'Dropout',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
];
const MERGES = ['Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum'];
const NO_WEIGHTS: ReadonlySet<string> = new Set([
  'InputLayer',
  'Activation',
  'Softmax',
  'Flatten',
  'Concatenate',
  'Reshape',
  'Permute',
  'RepeatVector',
  'Masking',
  ...POOLING,
  ...GLOBAL_POOLING,
  ...ELEMENTWISE_LAYERS,
  ...MERGES,
]);

/**
 * How a Keras layer moves channels (see `ChannelRule`).
 *
 * @example
 * ```ts
 * kerasChannelRule('Dense', { units: 4, activation: 'relu' }).kind; // 'source'
 * ```
 */
export function kerasChannelRule(className: string, config: Readonly<Record<string, unknown>>): ChannelRule {
  const unknown = (why: string): ChannelRule => ({ kind: 'opaque', reason: `${className} ${why}` });
  if (config.data_format === 'channels_first') return unknown('with channels_first data');
  const activation = config.activation;
  const mixes =
    activation === undefined ||
    activation === null ||
    (typeof activation === 'string' && ELEMENTWISE_ACTIVATIONS.has(activation))
      ? undefined
      : `its activation ${typeof activation === 'string' ? quote(activation) : 'is not element-wise'}`;
  switch (className) {
    case 'InputLayer': {
      const shape = config.batch_input_shape ?? config.batchInputShape ?? config.batch_shape;
      if (!Array.isArray(shape) || shape.length === 0) return { kind: 'input', channels: null, rank: null };
      const last = shape[shape.length - 1];
      const channels = typeof last === 'number' && Number.isSafeInteger(last) && last > 0 ? last : null;
      return { kind: 'input', channels, rank: shape.length };
    }
    case 'Dense':
      return source(sameRank, 'units', mixes);
    case 'Conv1D':
    case 'Conv2D':
    case 'Conv3D':
      if (numberOr(config.groups, 1) !== 1) return unknown('with groups');
      return source(sameRank, 'filters', mixes);
    case 'Conv2DTranspose':
    case 'Conv3DTranspose':
    case 'SeparableConv1D':
    case 'SeparableConv2D':
      return source(sameRank, 'filters', mixes);
    case 'Embedding':
      return { ...source(plusRank(1), 'output_dim'), readsInput: false };
    case 'SimpleRNN':
    case 'GRU':
    case 'LSTM':
      if (config.return_state === true) return unknown('returning its state');
      if (config.stateful === true) return unknown('that is stateful');
      return source(
        (rank) => (config.return_sequences === true ? rank : rank === null ? null : rank - 1),
        'units',
        mixes,
      );
    case 'DepthwiseConv1D':
    case 'DepthwiseConv2D':
      if (mixes !== undefined) return unknown(`whose ${mixes.slice(4)}`);
      return { kind: 'pass', rank: sameRank, expand: numberOr(config.depth_multiplier, 1) };
    case 'BatchNormalization':
      return { kind: 'pass', rank: sameRank, normAxis: config.axis ?? -1 };
    case 'LayerNormalization':
      return {
        kind: 'pass',
        rank: sameRank,
        normAxis: config.axis ?? -1,
        caveat: 'LayerNormalization normalizes over every channel',
      };
    case 'PReLU':
      return config.shared_axes === undefined || config.shared_axes === null
        ? { kind: 'pass', rank: sameRank }
        : unknown('with shared axes');
    case 'Activation':
      return mixes === undefined ? { kind: 'pass', rank: sameRank } : unknown(`whose ${mixes.slice(4)}`);
    case 'Flatten':
      return { kind: 'flatten' };
    case 'Concatenate':
      return { kind: 'concat', axis: typeof config.axis === 'number' ? config.axis : -1 };
    case 'RepeatVector':
      return { kind: 'pass', rank: fixedRank(3) };
    default:
      if (POOLING.includes(className) || ELEMENTWISE_LAYERS.includes(className))
        return { kind: 'pass', rank: sameRank };
      if (GLOBAL_POOLING.includes(className)) {
        return config.keepdims === true ? { kind: 'pass', rank: sameRank } : { kind: 'pass', rank: fixedRank(2) };
      }
      if (MERGES.includes(className)) return { kind: 'merge' };
      return { kind: 'opaque', reason: `${className} layers are not understood` };
  }
}

function source(rank: RankRule, countAttribute: string, mixes?: string): Extract<ChannelRule, { kind: 'source' }> {
  return mixes === undefined
    ? { kind: 'source', rank, countAttribute }
    : { kind: 'source', rank, countAttribute, mixes };
}
