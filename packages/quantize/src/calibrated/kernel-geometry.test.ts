import type { GraphNode, ModelGraph } from '@whittle/core/graph';
import { describe, expect, it } from 'vitest';
import { kernelGeometries } from './kernel-geometry.ts';

/** GraphDef attributes as tfjs-converter writes them: strings base64, integer lists as strings. */
const text = (value: string) => ({ s: btoa(value) });
const integers = (...values: number[]) => ({ list: { i: values.map(String) } });

function node(name: string, op: string, attributes: Record<string, unknown>, param: string, slot: string): GraphNode {
  return { name, op, attributes, params: [{ param, slot, axes: [] }] };
}

function graph(format: string, nodes: GraphNode[]): ModelGraph {
  return { format, nodes, edges: [], inputs: [], outputs: [], attributes: {} };
}

const shapes: Record<string, number[]> = {
  conv: [3, 3, 4, 8],
  depthwise: [5, 5, 8, 1],
  nchw: [3, 3, 4, 8],
  matmul: [8, 16],
  shared: [3, 3, 4, 4],
  keras_conv: [3, 3, 4, 8],
  keras_first: [3, 3, 4, 8],
  dense: [16, 4],
};
const shapeOf = (name: string) => shapes[name];

describe('kernelGeometries', () => {
  it('reads GraphDef windows: padding, strides and dilations by axis; explicit padding; a transposed MatMul', () => {
    const geometries = kernelGeometries(
      graph('graph-def', [
        node('c', '_FusedConv2D', { padding: text('SAME'), strides: integers(1, 2, 3, 1), dilations: integers(1, 1, 1, 1), data_format: text('NHWC') }, 'conv', 'filter'),
        node('d', 'DepthwiseConv2dNative', { padding: text('EXPLICIT'), explicit_paddings: integers(0, 0, 1, 2, 3, 4, 0, 0), strides: integers(1, 1, 1, 1) }, 'depthwise', 'filter'),
        node('n', 'Conv2D', { padding: text('VALID'), data_format: text('NCHW') }, 'nchw', 'filter'),
        node('m', 'MatMul', { transpose_b: { b: true } }, 'matmul', 'b'),
        node('s1', 'Conv2D', { padding: text('VALID') }, 'shared', 'filter'),
        node('s2', 'Conv2D', { padding: text('VALID') }, 'shared', 'filter'),
      ]),
      shapeOf,
    );
    expect(Object.fromEntries(geometries)).toEqual({
      conv: { kind: 'conv2d', kernel: [3, 3], strides: [2, 3], dilations: [1, 1], padding: 'same' },
      depthwise: { kind: 'depthwise', kernel: [5, 5], strides: [1, 1], dilations: [1, 1], padding: { explicit: [1, 2, 3, 4] } },
      matmul: { kind: 'dense', outputsFirst: true },
    });
  });

  it('reads Keras configs; channels-first layers and garbled attributes are left out, never a crash', () => {
    const geometries = kernelGeometries(
      graph('keras', [
        node('k', 'Conv2D', { kernel_size: [3, 3], strides: [1, 1], padding: 'same', dilation_rate: 2 }, 'keras_conv', 'kernel'),
        node('f', 'Conv2D', { kernel_size: [3, 3], data_format: 'channels_first' }, 'keras_first', 'kernel'),
        node('e', 'Dense', { units: 4 }, 'dense', 'kernel'),
      ]),
      shapeOf,
    );
    expect(Object.fromEntries(geometries)).toEqual({
      keras_conv: { kind: 'conv2d', kernel: [3, 3], strides: [1, 1], dilations: [2, 2], padding: 'same' },
      dense: { kind: 'dense', outputsFirst: false },
    });
    for (const attributes of [{ padding: { s: '%%%' } }, { padding: text('SAME'), strides: integers(1, 0, 1, 1) }, { padding: 7 }, { padding: text('EXPLICIT'), explicit_paddings: integers(1, 2) }]) {
      expect(kernelGeometries(graph('graph-def', [node('x', 'Conv2D', attributes, 'conv', 'filter')]), shapeOf).size).toBe(0);
    }
  });
});
