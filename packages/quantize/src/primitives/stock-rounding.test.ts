import * as tf from '@tensorflow/tfjs-core';
import { hostTensor, useBackend, type AffineEncoding } from '@whittle/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from './seeded-random.ts';
import { kernelChannelLayout, quantizeTfjsStockBalanced } from './stock-rounding.ts';
import { quantizeTfjsStockInRange } from './uint8-range.ts';

beforeAll(async () => {
  await useBackend('cpu');
});

/** What stock tfjs's weight loader makes of an encoding: its manifest entry, decoded by tfjs itself. */
function stockDecoded(encoding: AffineEncoding, count: number): Float32Array {
  const quantization = { dtype: 'uint8' as const, min: encoding.offsets!.data[0]!, scale: encoding.scales.data[0]! };
  const decoded = tf.io.decodeWeights(encoding.codes.slice().buffer, [{ name: 'w', shape: [count], dtype: 'float32', quantization }]);
  const values = Float32Array.from(decoded.w!.dataSync());
  tf.dispose(Object.values(decoded));
  return values;
}

/** Σ (decoded − value) per column of a row-major `[rows, columns]` array, in float64. */
function columnErrorSums(values: Float32Array, decoded: Float32Array, columns: number): Float64Array {
  const sums = new Float64Array(columns);
  for (let index = 0; index < values.length; index++) sums[index % columns] = sums[index % columns]! + decoded[index]! - values[index]!;
  return sums;
}

/** `count` seeded standard normal values (Box–Muller). */
function normals(count: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: count }, () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
}

/** A `[rows, columns]` kernel of normal weights, σ = 0.05. */
function denseKernel(rows: number, columns: number, seed: number): Float32Array {
  return normals(rows * columns, seed).map((value) => 0.05 * value);
}

describe('kernelChannelLayout', () => {
  it('groups each role’s elements into its output channels', () => {
    expect(kernelChannelLayout('dense-kernel', [784, 128])).toStrictEqual({ outer: 784, channels: 128, inner: 1 });
    expect(kernelChannelLayout('conv2d-kernel', [3, 3, 16, 32])).toStrictEqual({ outer: 144, channels: 32, inner: 1 });
    expect(kernelChannelLayout('pointwise-kernel', [1, 1, 16, 32])).toStrictEqual({ outer: 16, channels: 32, inner: 1 });
    expect(kernelChannelLayout('depthwise-kernel', [3, 3, 16, 2])).toStrictEqual({ outer: 9, channels: 32, inner: 1 });
    expect(kernelChannelLayout('linear-weight', [32, 16])).toStrictEqual({ outer: 1, channels: 32, inner: 16 });
    expect(kernelChannelLayout('conv2d-transpose-kernel', [3, 3, 8, 4])).toStrictEqual({ outer: 9, channels: 8, inner: 4 });
    for (const role of ['bias', 'norm-gamma', 'embedding', 'other'] as const) expect(kernelChannelLayout(role, [32])).toBeUndefined();
    expect(kernelChannelLayout('dense-kernel', [32])).toBeUndefined();
  });
});

describe('quantizeTfjsStockBalanced', () => {
  it('keeps every output channel’s summed error within half a step, each weight within one, as stock tfjs decodes it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 1000 }), (rows, columns, seed) => {
        const values = denseKernel(rows, columns, seed);
        const encoding = quantizeTfjsStockBalanced(hostTensor('float32', [rows, columns], values), 'minmax', kernelChannelLayout('dense-kernel', [rows, columns])!);
        const decoded = stockDecoded(encoding, values.length);
        const scale = encoding.scales.data[0]!;
        // float32 decoding adds up to half an ulp per weight to the sum.
        const slack = 1e-6 * rows;
        for (const sum of columnErrorSums(values, decoded, columns)) expect(Math.abs(sum)).toBeLessThanOrEqual(scale / 2 + slack);
        for (let index = 0; index < values.length; index++) expect(Math.abs(decoded[index]! - values[index]!)).toBeLessThan(scale * (1 + 1e-6));
      }),
      { numRuns: 40 },
    );
  });

  it('uses the converter’s min and scale, so only the codes differ from nearest rounding', () => {
    const values = denseKernel(256, 8, 1);
    const tensor = hostTensor('float32', [256, 8], values);
    const balanced = quantizeTfjsStockBalanced(tensor, 'minmax', { outer: 256, channels: 8, inner: 1 });
    const nearest = quantizeTfjsStockInRange(tensor, 'uint8', 'minmax');
    expect(balanced.scales.data).toStrictEqual(nearest.scales.data);
    expect(balanced.offsets!.data).toStrictEqual(nearest.offsets!.data);
    let differing = 0;
    for (let index = 0; index < values.length; index++) {
      expect(Math.abs(balanced.codes[index]! - nearest.codes[index]!)).toBeLessThanOrEqual(1);
      if (balanced.codes[index] !== nearest.codes[index]) differing++;
    }
    expect(differing).toBeGreaterThan(0);
  });

  it('moves a layer’s output less than nearest rounding on inputs with a shared positive mean', () => {
    const [rows, columns, samples] = [512, 16, 64];
    const values = denseKernel(rows, columns, 2);
    const tensor = hostTensor('float32', [rows, columns], values);
    const layout = kernelChannelLayout('dense-kernel', [rows, columns])!;
    const balanced = stockDecoded(quantizeTfjsStockBalanced(tensor, 'minmax', layout), values.length);
    const nearest = stockDecoded(quantizeTfjsStockInRange(tensor, 'uint8', 'minmax'), values.length);
    // Pixel-like inputs: mean 1, spread 0.3.
    const inputs = normals(samples * rows, 3).map((value) => 1 + 0.3 * value);
    const outputError = (decoded: Float32Array) => {
      let total = 0;
      for (let sample = 0; sample < samples; sample++) {
        for (let column = 0; column < columns; column++) {
          let difference = 0;
          for (let row = 0; row < rows; row++) difference += inputs[sample * rows + row]! * (decoded[row * columns + column]! - values[row * columns + column]!);
          total += difference * difference;
        }
      }
      return total;
    };
    // About var(x) · Σe² + mean(x)² · (Σe)²: the second term, most of nearest's, is gone.
    expect(outputError(balanced)).toBeLessThan(0.5 * outputError(nearest));
  });

  it('keeps exact zeros exact, so pruned weights stay pruned', () => {
    const values = denseKernel(64, 4, 5).map((value, index) => (index % 3 === 0 ? 0 : value));
    const encoding = quantizeTfjsStockBalanced(hostTensor('float32', [64, 4], values), 'mse', { outer: 64, channels: 4, inner: 1 });
    const decoded = stockDecoded(encoding, values.length);
    for (let index = 0; index < values.length; index += 3) expect(decoded[index]).toBe(0);
  });

  it('gives a constant tensor the converter’s scale 1 and all-zero codes', () => {
    const encoding = quantizeTfjsStockBalanced(hostTensor('float32', [4, 2], new Float32Array(8).fill(0.25)), 'minmax', { outer: 4, channels: 2, inner: 1 });
    expect(encoding.scales.data[0]).toBe(1);
    expect(stockDecoded(encoding, 8)).toStrictEqual(new Float32Array(8).fill(0.25));
  });

  it('answers hostile inputs with typed errors', () => {
    const tensor = hostTensor('float32', [4, 2], new Float32Array(8));
    const layout = { outer: 4, channels: 2, inner: 1 };
    expect(() => quantizeTfjsStockBalanced(hostTensor('int32', [2], new Int32Array(2)), 'minmax', { outer: 1, channels: 2, inner: 1 })).toThrow(expect.objectContaining({ code: 'invalid-tensor', field: 'dtype' }));
    expect(() => quantizeTfjsStockBalanced(hostTensor('float32', [2], Float32Array.of(1, Number.NaN)), 'minmax', { outer: 1, channels: 2, inner: 1 })).toThrow(expect.objectContaining({ code: 'invalid-tensor' }));
    expect(() => quantizeTfjsStockBalanced(tensor, 'percentile' as never, layout)).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'range' }));
    for (const bad of [{ outer: 4, channels: 3, inner: 1 }, { outer: 0, channels: 2, inner: 4 }, { outer: 8.5, channels: 1, inner: 1 }, { outer: Number.NaN, channels: 2, inner: 1 }]) {
      expect(() => quantizeTfjsStockBalanced(tensor, 'minmax', bad)).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'layout' }));
    }
  });
});
