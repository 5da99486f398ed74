/**
 * Which kernels of a model calibrated rounding can serve, and how each reads its input: a Dense
 * or MatMul layer multiplies it as it is; a convolution slides a window over it, so its
 * calibration rows are im2col patches, which need the window's size, strides, dilations and
 * padding, read from the node (GraphDef attributes or a Keras config).
 */
import type { GraphNode, ModelGraph } from '@whittle/core/graph';

/** How a 2-D window slides over an NHWC input. */
export interface WindowGeometry {
  readonly kernel: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly dilations: readonly [number, number];
  /** `same` pads as TensorFlow does (the extra row or column at the end); `explicit` gives [top, bottom, left, right]. */
  readonly padding: 'valid' | 'same' | { readonly explicit: readonly [number, number, number, number] };
}

/** How a kernel param's layer reads its input. */
export type KernelGeometry =
  | { readonly kind: 'dense'; readonly outputsFirst: boolean }
  | ({ readonly kind: 'conv2d' } & WindowGeometry)
  | ({ readonly kind: 'depthwise' } & WindowGeometry);

const DENSE_OPS: ReadonlySet<string> = new Set(['Dense', 'MatMul', '_FusedMatMul']);
const CONV_OPS: ReadonlySet<string> = new Set(['Conv2D', '_FusedConv2D']);
const DEPTHWISE_OPS: ReadonlySet<string> = new Set(['DepthwiseConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2dNative']);
const KERNEL_SLOTS: ReadonlySet<string> = new Set(['kernel', 'b', 'filter', 'depthwise_kernel']);

/**
 * The {@link KernelGeometry} of every kernel param of `graph` that one Dense, MatMul, Conv2D or
 * depthwise node reads and whose layout is understood (NHWC / channels-last, a 4-D filter whose
 * input channels match, a MatMul that does not transpose its activations). Params read by
 * several nodes, and every other kind of layer, are left out: they round to nearest.
 *
 * @example
 * ```ts
 * const geometries = kernelGeometries(readModelGraph(model), (name) => model.params.get(name)?.shape);
 * geometries.get('conv1/kernel'); // { kind: 'conv2d', kernel: [3, 3], strides: [2, 2], ... }
 * ```
 */
export function kernelGeometries(graph: ModelGraph, shapeOf: (param: string) => readonly number[] | undefined): Map<string, KernelGeometry> {
  const found = new Map<string, KernelGeometry | undefined>();
  for (const node of graph.nodes) {
    for (const binding of node.params) {
      if (!KERNEL_SLOTS.has(binding.slot)) continue;
      // A second reader: its inputs differ, so no one Hessian serves the param.
      if (found.has(binding.param)) {
        found.set(binding.param, undefined);
        continue;
      }
      found.set(binding.param, geometryOf(node, shapeOf(binding.param), graph.format === 'keras'));
    }
  }
  const geometries = new Map<string, KernelGeometry>();
  for (const [param, geometry] of found) if (geometry !== undefined) geometries.set(param, geometry);
  return geometries;
}

function geometryOf(node: GraphNode, shape: readonly number[] | undefined, keras: boolean): KernelGeometry | undefined {
  if (shape === undefined) return undefined;
  if (DENSE_OPS.has(node.op)) {
    if (shape.length !== 2) return undefined;
    if (node.op === 'Dense') return { kind: 'dense', outputsFirst: false };
    if (flag(node.attributes, 'transpose_a')) return undefined;
    return { kind: 'dense', outputsFirst: flag(node.attributes, 'transpose_b') };
  }
  if (shape.length !== 4) return undefined;
  const window = keras ? kerasWindow(node.attributes, shape) : graphDefWindow(node.attributes, shape);
  if (window === undefined) return undefined;
  if (CONV_OPS.has(node.op)) return { kind: 'conv2d', ...window };
  if (DEPTHWISE_OPS.has(node.op)) return { kind: 'depthwise', ...window };
  return undefined;
}

function kerasWindow(config: Readonly<Record<string, unknown>>, shape: readonly number[]): WindowGeometry | undefined {
  const format = config.data_format ?? 'channelsLast';
  if (format !== 'channelsLast' && format !== 'channels_last') return undefined;
  const strides = pair(config.strides, 1);
  const dilations = pair(config.dilation_rate, 1);
  const padding = config.padding ?? 'valid';
  if (strides === undefined || dilations === undefined || (padding !== 'valid' && padding !== 'same')) return undefined;
  return { kernel: [shape[0]!, shape[1]!], strides, dilations, padding };
}

function graphDefWindow(attributes: Readonly<Record<string, unknown>>, shape: readonly number[]): WindowGeometry | undefined {
  const format = text(attributes, 'data_format') ?? 'NHWC';
  const padding = text(attributes, 'padding');
  const strides = integers(attributes, 'strides') ?? [1, 1, 1, 1];
  const dilations = integers(attributes, 'dilations') ?? [1, 1, 1, 1];
  if (format !== 'NHWC' || strides.length !== 4 || dilations.length !== 4 || ![...strides, ...dilations].every((value) => value >= 1)) return undefined;
  const window = { kernel: [shape[0]!, shape[1]!] as const, strides: [strides[1]!, strides[2]!] as const, dilations: [dilations[1]!, dilations[2]!] as const };
  if (padding === 'SAME') return { ...window, padding: 'same' };
  if (padding === 'VALID') return { ...window, padding: 'valid' };
  const explicit = integers(attributes, 'explicit_paddings');
  if (padding !== 'EXPLICIT' || explicit === undefined || explicit.length !== 8 || !explicit.every((value) => value >= 0)) return undefined;
  return { ...window, padding: { explicit: [explicit[2]!, explicit[3]!, explicit[4]!, explicit[5]!] } };
}

function pair(value: unknown, fallback: number): [number, number] | undefined {
  if (value === undefined || value === null) return [fallback, fallback];
  const list = Array.isArray(value) ? value : [value, value];
  if (list.length !== 2 || !list.every((item) => Number.isSafeInteger(item) && (item as number) >= 1)) return undefined;
  return [list[0] as number, list[1] as number];
}

function flag(attributes: Readonly<Record<string, unknown>>, key: string): boolean {
  const value = attributes[key];
  return typeof value === 'object' && value !== null && (value as { b?: unknown }).b === true;
}

/** A GraphDef string attribute (`{ s: base64 }`) as text. */
function text(attributes: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = attributes[key] as { s?: unknown } | undefined;
  if (typeof value !== 'object' || value === null || typeof value.s !== 'string') return undefined;
  try {
    return atob(value.s);
  } catch {
    return undefined;
  }
}

/** A GraphDef integer-list attribute (`{ list: { i: ['1', '2', '2', '1'] } }`) as numbers. */
function integers(attributes: Readonly<Record<string, unknown>>, key: string): number[] | undefined {
  const value = attributes[key] as { list?: { i?: unknown } } | undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  const list = value.list?.i ?? [];
  if (!Array.isArray(list) || list.length > 8) return undefined;
  const numbers = list.map((item: unknown) => (typeof item === 'string' ? Number(item) : item));
  return numbers.every((number): number is number => typeof number === 'number' && Number.isSafeInteger(number)) ? numbers : undefined;
}
