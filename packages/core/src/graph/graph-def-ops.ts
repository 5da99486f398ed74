/**
 * What whittle knows of GraphDef ops (as tfjs-converter writes them): which inputs hold params
 * (slot, role, channel axes) and how the op moves channels. Every other op is not understood.
 */
import type { ParamRole } from '../model/types.ts';
import { fixedRank, sameRank, type ChannelRule } from './channel-rule.ts';
import { isRecord } from './graph-error.ts';
import type { ChannelAxis } from './types.ts';

/** A param an op reads through one of its inputs. */
export interface GraphDefParamInput {
  readonly input: number;
  readonly slot: string;
  readonly role: ParamRole;
  /** The channel axes of a param of this shape, or null when the shape cannot be this input's. */
  readonly axes: (shape: readonly number[]) => readonly ChannelAxis[] | null;
}

const axis = (index: number, side: ChannelAxis['side']): ChannelAxis => ({
  axis: index,
  side,
  copies: 1,
  arrangement: 'contiguous',
});
const vector =
  (side: ChannelAxis['side']) =>
  (shape: readonly number[]): readonly ChannelAxis[] | null =>
    shape.length === 1 ? [axis(0, side)] : null;

const ACTIVATION_OPS = ['Relu', 'Relu6', 'Elu', 'Selu', 'Sigmoid', 'Tanh', 'Softplus', 'Softsign', 'LeakyRelu'];
const UNARY_OPS: ReadonlySet<string> = new Set([
  ...ACTIVATION_OPS,
  'Identity',
  'MaxPool',
  'AvgPool',
  'Square',
  'Abs',
  'Neg',
]);
const MERGE_OPS: ReadonlySet<string> = new Set(['Add', 'AddV2', 'AddN', 'Sub', 'Mul', 'Maximum', 'Minimum']);
const FUSABLE_ACTIVATIONS: ReadonlySet<string> = new Set(ACTIVATION_OPS);

/**
 * A GraphDef string attribute's text: tfjs-converter writes `{ s: <base64> }`.
 *
 * @example
 * ```ts
 * stringAttribute({ data_format: { s: 'TkhXQw==' } }, 'data_format'); // 'NHWC'
 * ```
 */
export function stringAttribute(attributes: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = attributes[key];
  if (!isRecord(value) || typeof value.s !== 'string') return undefined;
  return decodeBase64(value.s);
}

function decodeBase64(text: string): string | undefined {
  try {
    return atob(text);
  } catch {
    return undefined;
  }
}

function listAttribute(attributes: Readonly<Record<string, unknown>>, key: string): string[] | undefined {
  const value = attributes[key];
  if (!isRecord(value)) return undefined;
  const list = value.list;
  if (!isRecord(list)) return undefined;
  if (list.s === undefined) return [];
  if (!Array.isArray(list.s)) return undefined;
  const texts = list.s.map((item: unknown) => (typeof item === 'string' ? decodeBase64(item) : undefined));
  return texts.every((text): text is string => text !== undefined) ? texts : undefined;
}

function booleanAttribute(attributes: Readonly<Record<string, unknown>>, key: string): boolean {
  const value = attributes[key];
  return isRecord(value) && value.b === true;
}

function integerAttribute(attributes: Readonly<Record<string, unknown>>, key: string): number | undefined {
  const value = attributes[key];
  if (!isRecord(value)) return undefined;
  const number = typeof value.i === 'string' ? Number(value.i) : value.i;
  return typeof number === 'number' && Number.isSafeInteger(number) ? number : undefined;
}

/** The fused ops of a `_Fused*` op when they are a bias add and at most one element-wise activation. */
function fusedBiasAndActivation(attributes: Readonly<Record<string, unknown>>): 'bias' | 'unknown' {
  const fused = listAttribute(attributes, 'fused_ops');
  if (fused === undefined || fused[0] !== 'BiasAdd' || fused.length > 2) return 'unknown';
  if (fused.length === 2 && !FUSABLE_ACTIVATIONS.has(fused[1]!)) return 'unknown';
  const count = integerAttribute(attributes, 'num_args');
  return count === undefined || count === 1 ? 'bias' : 'unknown';
}

/**
 * The params an op reads, by input index, or an empty list for an op whose inputs hold none.
 *
 * @example
 * ```ts
 * graphDefParamInputs('MatMul', {}).map((input) => input.slot); // ['b']
 * ```
 */
export function graphDefParamInputs(
  op: string,
  attributes: Readonly<Record<string, unknown>>,
): readonly GraphDefParamInput[] {
  const bias: GraphDefParamInput = { input: 2, slot: 'bias', role: 'bias', axes: vector('output') };
  switch (op) {
    case 'MatMul':
    case '_FusedMatMul': {
      const transposed = booleanAttribute(attributes, 'transpose_b');
      const weight: GraphDefParamInput = {
        input: 1,
        slot: 'b',
        role: transposed ? 'linear-weight' : 'dense-kernel',
        axes: (shape) =>
          shape.length !== 2
            ? null
            : transposed
            ? [axis(0, 'output'), axis(1, 'input')]
            : [axis(0, 'input'), axis(1, 'output')],
      };
      return op === 'MatMul' ? [weight] : [weight, bias];
    }
    case 'Conv2D':
    case '_FusedConv2D': {
      const filter: GraphDefParamInput = {
        input: 1,
        slot: 'filter',
        role: 'conv2d-kernel',
        axes: (shape) => (shape.length === 4 ? [axis(2, 'input'), axis(3, 'output')] : null),
      };
      return op === 'Conv2D' ? [filter] : [filter, bias];
    }
    case 'DepthwiseConv2dNative':
    case 'FusedDepthwiseConv2dNative': {
      const filter: GraphDefParamInput = {
        input: 1,
        slot: 'filter',
        role: 'depthwise-kernel',
        axes: (shape) => (shape.length === 4 ? [axis(2, 'input')] : null),
      };
      return op === 'DepthwiseConv2dNative' ? [filter] : [filter, bias];
    }
    case 'BiasAdd':
      return [{ input: 1, slot: 'bias', role: 'bias', axes: vector('input') }];
    case 'FusedBatchNorm':
    case 'FusedBatchNormV2':
    case 'FusedBatchNormV3':
      return (
        [
          ['scale', 'norm-gamma'],
          ['offset', 'norm-beta'],
          ['mean', 'norm-mean'],
          ['variance', 'norm-variance'],
        ] as const
      ).map(([slot, role], index) => ({ input: index + 1, slot, role, axes: vector('input') }));
    default:
      return [];
  }
}

/** What the analysis can ask of the graph while choosing a rule. */
export interface GraphDefRuleContext {
  /** The shape of the param bound to input `input`, or undefined when that input is not a param. */
  readonly paramShape: (input: number) => readonly number[] | undefined;
  /** The integer values of the constant feeding input `input`, when it is one. */
  readonly constantValues: (input: number) => readonly number[] | undefined;
  /** The name of the param the constant feeding input `input` holds, when it holds one. */
  readonly constantParam: (input: number) => string | undefined;
  /** How many inputs carry data (not control). */
  readonly dataInputs: number;
}

/**
 * How a GraphDef op moves channels (see `ChannelRule`). Ops whose params are not constants, NCHW
 * data, training-mode norms and fused ops other than a bias and an activation are not understood.
 *
 * @example
 * ```ts
 * graphDefChannelRule('Relu', {}, context).kind; // 'pass'
 * ```
 */
export function graphDefChannelRule(
  op: string,
  attributes: Readonly<Record<string, unknown>>,
  context: GraphDefRuleContext,
): ChannelRule {
  const unknown = (why: string): ChannelRule => ({ kind: 'opaque', reason: `${op} ${why}` });
  const format = stringAttribute(attributes, 'data_format');
  if (format !== undefined && format !== 'NHWC') return unknown(`with ${format} data`);
  for (const input of graphDefParamInputs(op, attributes)) {
    if (context.paramShape(input.input) === undefined) return unknown('whose weights are not constant params');
  }
  switch (op) {
    case 'Placeholder': {
      const dims = shapeAttribute(attributes);
      if (dims === undefined) return { kind: 'input', channels: null, rank: null };
      const last = dims[dims.length - 1];
      return { kind: 'input', channels: last !== undefined && last > 0 ? last : null, rank: dims.length };
    }
    case 'Const':
      return { kind: 'constant' };
    case 'MatMul':
      return booleanAttribute(attributes, 'transpose_a')
        ? unknown('with transpose_a')
        : { kind: 'source', rank: fixedRank(2) };
    case '_FusedMatMul':
      if (booleanAttribute(attributes, 'transpose_a')) return unknown('with transpose_a');
      return fusedBiasAndActivation(attributes) === 'bias'
        ? { kind: 'source', rank: fixedRank(2) }
        : unknown('fusing other ops than a bias and an activation');
    case 'Conv2D':
      return { kind: 'source', rank: fixedRank(4) };
    case '_FusedConv2D':
      return fusedBiasAndActivation(attributes) === 'bias'
        ? { kind: 'source', rank: fixedRank(4) }
        : unknown('fusing other ops than a bias and an activation');
    case 'DepthwiseConv2dNative':
    case 'FusedDepthwiseConv2dNative': {
      if (op === 'FusedDepthwiseConv2dNative' && fusedBiasAndActivation(attributes) !== 'bias') {
        return unknown('fusing other ops than a bias and an activation');
      }
      const multiplier = context.paramShape(1)![3]!;
      return { kind: 'pass', rank: sameRank, expand: multiplier };
    }
    case 'FusedBatchNorm':
    case 'FusedBatchNormV2':
    case 'FusedBatchNormV3':
      return booleanAttribute(attributes, 'is_training')
        ? unknown('in training mode')
        : { kind: 'pass', rank: sameRank };
    case 'BiasAdd':
      return { kind: 'pass', rank: sameRank };
    case 'Reshape': {
      const values = context.constantValues(1);
      const param = context.constantParam(1);
      if (values === undefined || param === undefined) return unknown('whose shape is not a constant param');
      const [batch, size] = values;
      if (values.length !== 2 || batch !== -1 || size === undefined || size <= 0) {
        return unknown(`to [${values.join(', ')}], not a flatten to [-1, size]`);
      }
      return { kind: 'flatten', shape: { param, position: 1, size } };
    }
    case 'ConcatV2': {
      const values = context.constantValues(context.dataInputs - 1);
      if (values === undefined || values.length !== 1) return unknown('whose axis is not a constant');
      return { kind: 'concat', axis: values[0]! };
    }
    default:
      if (UNARY_OPS.has(op)) return { kind: 'pass', rank: sameRank };
      if (MERGE_OPS.has(op)) return { kind: 'merge' };
      return { kind: 'opaque', reason: `${op} ops are not understood` };
  }
}

function shapeAttribute(attributes: Readonly<Record<string, unknown>>): number[] | undefined {
  const shape = attributes.shape;
  if (!isRecord(shape) || !isRecord(shape.shape)) return undefined;
  const dims = shape.shape.dim;
  if (!Array.isArray(dims)) return undefined;
  const sizes = dims.map((dim: unknown) => (isRecord(dim) ? Number(dim.size) : Number.NaN));
  return sizes.every((size) => Number.isSafeInteger(size)) ? sizes : undefined;
}
