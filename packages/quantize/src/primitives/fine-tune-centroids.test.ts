import { codebookFromIndices, decode, hostTensor } from '@whittle/core';
import { describe, expect, it } from 'vitest';
import { centroidGradients, fineTuneCentroids } from './fine-tune-centroids.ts';
import { kmeansQuantize } from './kmeans-quantize.ts';

describe('fineTuneCentroids', () => {
  const encoding = codebookFromIndices({
    shape: [2, 3],
    centroids: hostTensor('float32', [3], Float32Array.from([-1, 0, 1])),
    indices: [0, 2, 2, 1, 0, 2],
  });

  it("sums the gradients of the weights sharing each centroid", () => {
    const gradients = hostTensor('float32', [2, 3], Float32Array.from([0.5, 1, 2, -4, 0.25, -1]));
    expect(Array.from(centroidGradients(encoding, gradients))).toEqual([0.75, -4, 2]);
  });

  it('takes one descent step on the centroids and keeps the indices', () => {
    const gradients = hostTensor('float32', [2, 3], Float32Array.from([0.5, 1, 2, -4, 0.25, -1]));
    const tuned = fineTuneCentroids(encoding, gradients, 0.5);
    expect(Array.from(tuned.centroids.data)).toEqual([-1.375, 2, 0]);
    expect(tuned.indices).toBe(encoding.indices);
    expect(Array.from(decode(tuned).data)).toEqual([-1.375, 0, 0, 2, -1.375, 0]);
    expect(Array.from(encoding.centroids.data)).toEqual([-1, 0, 1]);
  });

  it('drives a shared tensor towards its target, chunk boundaries included', () => {
    const size = 70_000;
    const target = Float32Array.from({ length: size }, (_, index) => Math.sin(index));
    let shared = kmeansQuantize(hostTensor('float32', [size], target.map((value) => value * 0.5)), { bits: 2 });
    const error = () => {
      const decoded = decode(shared).data as Float32Array;
      return decoded.reduce((total, value, index) => total + (value - target[index]!) ** 2, 0);
    };
    const before = error();
    for (let step = 0; step < 20; step++) {
      const decoded = decode(shared).data as Float32Array;
      const gradient = decoded.map((value, index) => 2 * (value - target[index]!));
      shared = fineTuneCentroids(shared, hostTensor('float32', [size], gradient), 0.5 / size);
    }
    expect(error()).toBeLessThan(before * 0.5);
  });

  it('rejects mismatched gradients, non-codebooks, and steps that blow up', () => {
    expect(() => centroidGradients(encoding, hostTensor('float32', [6]))).toThrow(expect.objectContaining({ field: 'gradients' }));
    expect(() => centroidGradients(encoding, hostTensor('int32', [2, 3]))).toThrow(expect.objectContaining({ field: 'gradients' }));
    expect(() => centroidGradients({ kind: 'dense' } as never, hostTensor('float32', [2, 3]))).toThrow(expect.objectContaining({ code: 'invalid-encoding' }));
    expect(() => fineTuneCentroids(encoding, hostTensor('float32', [2, 3]), Number.NaN)).toThrow(expect.objectContaining({ field: 'learningRate' }));
    const huge = hostTensor('float32', [2, 3], new Float32Array(6).fill(3e38));
    expect(() => fineTuneCentroids(encoding, huge, 10)).toThrow(/lower the learning rate/);
  });

  it('keeps float16 centroids float16', () => {
    const half = codebookFromIndices({ shape: [2], centroids: hostTensor('float16', [2], new Uint16Array([0x3c00, 0x4000])), indices: [0, 1] });
    const tuned = fineTuneCentroids(half, hostTensor('float32', [2], Float32Array.from([1, 1])), 0.5);
    expect(tuned.centroids.dtype).toBe('float16');
    expect(Array.from(decode(tuned).data)).toEqual([0.5, 1.5]);
  });
});
