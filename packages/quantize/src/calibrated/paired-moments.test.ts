import { hostTensor, useBackend } from '@whittle/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalMatrix } from '../gptq/test-layers.ts';
import { denseMatrices } from './kernel-matrices.ts';
import { createPairedMoments, leastSquaresKernel, quantizedHessians } from './paired-moments.ts';

beforeAll(async () => {
  await useBackend('cpu');
});

const dense = { kind: 'dense', outputsFirst: false } as const;

describe('paired moments and the least-squares kernel', () => {
  it('sums what plain loops over the paired rows give', async () => {
    const [samples, inputs] = [7, 3];
    const x = normalMatrix(samples, inputs, 1);
    const xq = normalMatrix(samples, inputs, 2);
    const moments = createPairedMoments(dense, [inputs, 2], denseMatrices([inputs, 2]));
    await moments.add(x, xq);
    const result = moments.result();
    expect(result.samples).toBe(samples);
    for (let i = 0; i < inputs; i++) {
      for (let j = 0; j < inputs; j++) {
        let [gram, cross] = [0, 0];
        for (let row = 0; row < samples; row++) {
          gram += xq.data[row * inputs + i]! * xq.data[row * inputs + j]!;
          cross += xq.data[row * inputs + i]! * x.data[row * inputs + j]!;
        }
        expect(result.quantizedGram[0]![i * inputs + j]).toBeCloseTo(gram, 4);
        expect(result.cross[0]![i * inputs + j]).toBeCloseTo(cross, 4);
      }
      expect(result.floatMeans[i]).toBeCloseTo(x.data.filter((_, index) => index % inputs === i).reduce((a, b) => a + b, 0) / samples, 5);
    }
    expect(quantizedHessians(result)[0]!.matrix.data[0]).toBeCloseTo((2 / samples) * result.quantizedGram[0]![0]!, 8);
  });

  it('is the kernel itself where the quantized inputs equal the float ones', async () => {
    const x = normalMatrix(40, 5, 3);
    const kernel = normalMatrix(5, 4, 4);
    const moments = createPairedMoments(dense, [5, 4], denseMatrices([5, 4]));
    await moments.add(x, x);
    const target = leastSquaresKernel(kernel, denseMatrices([5, 4]), moments.result(), 0.01);
    target.data.forEach((value, index) => expect(value).toBeCloseTo(kernel.data[index]!, 5));
  });

  it('undoes a per-input scaling of the inputs: X̂ = X·D gives W′ = D⁻¹W, so X̂W′ = XW (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 10_000 }), async (inputs, outputs, seed) => {
        const samples = 60;
        const x = normalMatrix(samples, inputs, seed);
        const scales = Float32Array.from({ length: inputs }, (_, input) => 0.5 + ((seed + input * 7) % 10) / 10);
        const xq = hostTensor('float32', [samples, inputs], Float32Array.from(x.data, (value, index) => value * scales[index % inputs]!));
        const kernel = normalMatrix(inputs, outputs, seed + 1);
        const moments = createPairedMoments(dense, [inputs, outputs], denseMatrices([inputs, outputs]));
        await moments.add(x, xq);
        const target = leastSquaresKernel(kernel, denseMatrices([inputs, outputs]), moments.result(), 1e-9);
        for (let input = 0; input < inputs; input++) {
          for (let output = 0; output < outputs; output++) {
            const expected = kernel.data[input * outputs + output]! / scales[input]!;
            expect(Math.abs(target.data[input * outputs + output]! - expected)).toBeLessThan(1e-3 * (1 + Math.abs(expected)));
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it('rejects paired batches of different sizes and an empty result', async () => {
    const moments = createPairedMoments(dense, [3, 2], denseMatrices([3, 2]));
    expect(() => moments.result()).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
    await expect(moments.add(normalMatrix(4, 3, 1), normalMatrix(5, 3, 2))).rejects.toMatchObject({ code: 'invalid-argument', field: 'calibration' });
    await expect(moments.add(normalMatrix(4, 3, 1), normalMatrix(4, 2, 2))).rejects.toMatchObject({ code: 'invalid-argument', field: 'calibration' });
  });
});
