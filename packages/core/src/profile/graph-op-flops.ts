/**
 * Multiply-adds of one TensorFlow graph op (a converted model's node) that multiplies a weight
 * with activations: MatMul and Conv2D (plain or fused) and DepthwiseConv2dNative.
 */
import { stringAttribute } from '../graph/graph-def-ops.ts';
import { convolutionOutputLength, isPositiveInteger } from './convolution-geometry.ts';
import type { LayerFlops } from './layer-flops.ts';

/** Ops whose multiply-adds are counted, with the activations captured as their first input. */
export const COUNTED_GRAPH_OPS: ReadonlySet<string> = new Set([
  'MatMul', '_FusedMatMul', 'Conv2D', '_FusedConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2dNative',
]);

/** Ops that multiply activations together or otherwise need counting this code does not do. */
const UNCOUNTED_PRODUCTS = new Set(['BatchMatMul', 'BatchMatMulV2', 'BatchMatMulV3', 'Einsum', 'Conv3D', 'Conv2DBackpropInput', 'Conv1D']);

/**
 * The multiply-adds of graph op `op` (GraphDef `attributes`, as tfjs-converter writes them) whose
 * first input has `inputShape` and whose weight has `weightShape`, for the whole batch. Ops that
 * multiply no weight (activations, adds, reshapes) count 0; products this code does not count
 * (between two activations, explicit padding) give null and the reason.
 *
 * @example
 * ```ts
 * graphOpFlops('MatMul', {}, [1, 784], [784, 128]); // { flops: 100352 }
 * ```
 */
export function graphOpFlops(
  op: string,
  attributes: Readonly<Record<string, unknown>>,
  inputShape: readonly number[] | undefined,
  weightShape: readonly number[] | undefined,
): LayerFlops {
  if (UNCOUNTED_PRODUCTS.has(op)) return { flops: null, reason: `the multiply-adds of ${op} ops are not counted` };
  if (!COUNTED_GRAPH_OPS.has(op)) return { flops: 0 };
  if (inputShape === undefined || weightShape === undefined) return { flops: null, reason: `the ${op} op's input or weight shape is not known` };
  if (op === 'MatMul' || op === '_FusedMatMul') {
    if (inputShape.length !== 2 || weightShape.length !== 2) return { flops: null, reason: `a ${op} op is counted for matrices` };
    const [rows, depth] = booleanAttribute(attributes, 'transpose_a') ? [inputShape[1]!, inputShape[0]!] : [inputShape[0]!, inputShape[1]!];
    const [weightDepth, columns] = booleanAttribute(attributes, 'transpose_b') ? [weightShape[1]!, weightShape[0]!] : [weightShape[0]!, weightShape[1]!];
    if (depth !== weightDepth) return { flops: null, reason: `the ${op} op's shapes do not agree` };
    return { flops: rows * depth * columns };
  }
  const format = stringAttribute(attributes, 'data_format') ?? 'NHWC';
  const padding = stringAttribute(attributes, 'padding');
  if (inputShape.length !== 4 || weightShape.length !== 4 || (format !== 'NHWC' && format !== 'NCHW') || (padding !== 'SAME' && padding !== 'VALID')) {
    return { flops: null, reason: `the ${op} op's shapes, data format or padding are not understood` };
  }
  const [height, width, channels] = format === 'NHWC' ? [inputShape[1]!, inputShape[2]!, inputShape[3]!] : [inputShape[2]!, inputShape[3]!, inputShape[1]!];
  const spatial = format === 'NHWC' ? [1, 2] : [2, 3];
  const strides = integerList(attributes, 'strides') ?? [1, 1, 1, 1];
  const dilations = integerList(attributes, 'dilations') ?? [1, 1, 1, 1];
  if (strides.length !== 4 || dilations.length !== 4 || ![...strides, ...dilations].every(isPositiveInteger)) {
    return { flops: null, reason: `the ${op} op's strides or dilations are not understood` };
  }
  const [kernelHeight, kernelWidth, filterChannels, outputs] = weightShape as [number, number, number, number];
  const mode = padding === 'SAME' ? 'same' : 'valid';
  const positions =
    convolutionOutputLength(height, kernelHeight, strides[spatial[0]!]!, dilations[spatial[0]!]!, mode) *
    convolutionOutputLength(width, kernelWidth, strides[spatial[1]!]!, dilations[spatial[1]!]!, mode);
  const batch = inputShape[0]!;
  const mismatch: LayerFlops = { flops: null, reason: `the ${op} op's input channels do not agree with its filter` };
  if (op === 'Conv2D' || op === '_FusedConv2D') {
    // A filter of fewer input channels than the input is a grouped convolution.
    if (channels % filterChannels !== 0) return mismatch;
    return { flops: batch * positions * outputs * kernelHeight * kernelWidth * filterChannels };
  }
  // A depthwise filter is [kh, kw, in, multiplier]: each input channel makes `multiplier` outputs.
  if (filterChannels !== channels) return mismatch;
  return { flops: batch * positions * channels * outputs * kernelHeight * kernelWidth };
}

function booleanAttribute(attributes: Readonly<Record<string, unknown>>, key: string): boolean {
  const value = attributes[key];
  return typeof value === 'object' && value !== null && (value as { b?: unknown }).b === true;
}

/** A GraphDef integer-list attribute (`{ list: { i: ['1', '2', '2', '1'] } }`) as numbers. */
function integerList(attributes: Readonly<Record<string, unknown>>, key: string): number[] | undefined {
  const value = attributes[key] as { list?: { i?: unknown } } | undefined;
  const list = typeof value === 'object' && value !== null ? value.list?.i : undefined;
  if (!Array.isArray(list) || list.length > 8) return undefined;
  const numbers = list.map((item: unknown) => (typeof item === 'string' ? Number(item) : item));
  return numbers.every((number): number is number => typeof number === 'number' && Number.isSafeInteger(number)) ? numbers : undefined;
}
