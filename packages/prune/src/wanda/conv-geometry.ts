/**
 * Where a Conv2D kernel's geometry (strides, padding, dilation) comes from: its layer's config
 * in the model's Keras topology. Wanda needs it to know which input pixels each kernel offset
 * reads; a kernel whose layer it cannot read is left alone.
 */
import { isWhittleError, type Model } from '@whittle/core';
import { readModelGraph } from '@whittle/core/graph';
import type { ConvGeometry } from './conv-input-norms.ts';

/**
 * For each Conv2D kernel of `model` (by param name), its layer's geometry, or why it cannot be
 * used (a string): no Keras topology, channels-first data, a padding other than `same`/`valid`.
 *
 * @example
 * ```ts
 * convGeometries(model).get('conv2d_1/kernel'); // { strides: [1, 1], dilations: [1, 1], padding: 'same' }
 * ```
 */
export function convGeometries(model: Model): ReadonlyMap<string, ConvGeometry | string> {
  const geometries = new Map<string, ConvGeometry | string>();
  if (model.format !== 'tfjs-layers') return geometries;
  let nodes;
  try {
    ({ nodes } = readModelGraph(model));
  } catch (error) {
    if (!isWhittleError(error)) throw error;
    return geometries;
  }
  for (const node of nodes) {
    if (node.op !== 'Conv2D') continue;
    const kernel = node.params.find(({ slot }) => slot === 'kernel');
    if (kernel !== undefined) geometries.set(kernel.param, readGeometry(node.attributes));
  }
  return geometries;
}

function readGeometry(config: Readonly<Record<string, unknown>>): ConvGeometry | string {
  const format = config.data_format ?? 'channels_last';
  if (format !== 'channels_last') return `its layer's data_format is ${String(format)}, not channels_last`;
  const padding = config.padding ?? 'valid';
  if (padding !== 'same' && padding !== 'valid') return `its layer's padding is ${String(padding)}, not same or valid`;
  const strides = pair(config.strides ?? 1);
  const dilations = pair(config.dilation_rate ?? 1);
  if (strides === undefined || dilations === undefined) return "its layer's strides or dilation_rate are not positive integers";
  return { strides, dilations, padding };
}

function pair(value: unknown): readonly [number, number] | undefined {
  const values = Array.isArray(value) ? value : [value, value];
  if (values.length !== 2 || !values.every((entry) => Number.isSafeInteger(entry) && entry >= 1 && entry <= 2 ** 16)) return undefined;
  return [values[0] as number, values[1] as number];
}
