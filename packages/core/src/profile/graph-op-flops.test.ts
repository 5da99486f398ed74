import { describe, expect, it } from 'vitest';
import { graphOpFlops } from './graph-op-flops.ts';

const text = (value: string) => ({ s: btoa(value) });
const integers = (...values: number[]) => ({ list: { i: values.map(String) } });

// Hand-computed: output positions × work per position, as for the Keras layers.
describe('graphOpFlops', () => {
  it('MatMul: rows × depth × columns, transposes read from the attributes', () => {
    expect(graphOpFlops('MatMul', {}, [2, 784], [784, 128]).flops).toBe(2 * 784 * 128);
    expect(graphOpFlops('_FusedMatMul', { transpose_b: { b: true } }, [3, 16], [8, 16]).flops).toBe(3 * 16 * 8);
    expect(graphOpFlops('MatMul', { transpose_a: { b: true } }, [16, 3], [16, 8]).flops).toBe(3 * 16 * 8);
    expect(graphOpFlops('MatMul', {}, [2, 5], [4, 3]).flops).toBeNull();
  });

  it('Conv2D: same and valid padding, strides and dilations, NHWC and NCHW', () => {
    const same = { padding: text('SAME'), strides: integers(1, 2, 2, 1) };
    expect(graphOpFlops('Conv2D', same, [1, 28, 28, 3], [3, 3, 3, 8]).flops).toBe(14 * 14 * 8 * 9 * 3);
    const valid = { padding: text('VALID'), strides: integers(1, 1, 1, 1), dilations: integers(1, 2, 2, 1) };
    // A 3×3 kernel dilated by 2 spans 5 inputs: 32 - 5 + 1 = 28 positions per axis.
    expect(graphOpFlops('_FusedConv2D', valid, [2, 32, 32, 4], [3, 3, 4, 6]).flops).toBe(2 * 28 * 28 * 6 * 9 * 4);
    const channelsFirst = { padding: text('VALID'), data_format: text('NCHW'), strides: integers(1, 1, 2, 2) };
    // (10 - 3) / 2 + 1 = 4 positions per axis.
    expect(graphOpFlops('Conv2D', channelsFirst, [1, 5, 10, 10], [3, 3, 5, 7]).flops).toBe(4 * 4 * 7 * 9 * 5);
    expect(graphOpFlops('Conv2D', { padding: text('EXPLICIT') }, [1, 8, 8, 1], [3, 3, 1, 1]).flops).toBeNull();
    expect(graphOpFlops('Conv2D', { padding: text('SAME') }, [1, 8, 8, 3], [3, 3, 2, 1]).flops).toBeNull();
  });

  it('DepthwiseConv2dNative: each channel times the multiplier', () => {
    const attributes = { padding: text('SAME'), strides: integers(1, 1, 1, 1) };
    expect(graphOpFlops('DepthwiseConv2dNative', attributes, [1, 14, 14, 32], [3, 3, 32, 2]).flops).toBe(14 * 14 * 32 * 2 * 9);
    expect(graphOpFlops('FusedDepthwiseConv2dNative', attributes, [1, 14, 14, 32], [3, 3, 16, 2]).flops).toBeNull();
  });

  it('counts weightless ops as 0 and says why it cannot count the rest', () => {
    expect(graphOpFlops('Relu', {}, undefined, undefined)).toEqual({ flops: 0 });
    expect(graphOpFlops('BatchMatMulV2', {}, [1, 4, 4], undefined).reason).toMatch(/not counted/);
    expect(graphOpFlops('MatMul', {}, undefined, [4, 4]).reason).toMatch(/not known/);
  });
});
