import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, describe, expect, it } from 'vitest';
import { decode, hostTensor } from '@whittle/core';
import { quantizeAffine } from '../primitives/quantize-affine.ts';
import { dequantizeAffineTensor, quantizeAffineTensor } from './affine-on-backend.ts';
import { dequantizeOnGpu } from './dequantize-on-gpu.ts';
import { quantizeAffineOnGpu } from './quantize-affine-on-gpu.ts';
import { startDawnWebGpu } from './dawn-backend.ts';

const backend = await startDawnWebGpu();
if (!backend.ready) console.warn(`WebGPU dispatch tests skipped: ${backend.reason}`);

const values = Float32Array.from({ length: 48 * 40 }, (_, index) => Math.sin(index * 0.61) * (1 + (index % 5)));
const shape = [48, 40];

describe.skipIf(!backend.ready)('quantizeAffineTensor and dequantizeAffineTensor', () => {
  afterAll(async () => {
    await tf.setBackend('webgpu');
  });

  it('give the host kernels’ results on every backend', async () => {
    for (const options of [
      { bits: 8, granularity: { kind: 'axis', axis: 1 } },
      { bits: 4, symmetric: false, granularity: { kind: 'group', axis: 0, size: 32 } },
      // 3-bit codes have no GPU kernel: the host quantizes them even on webgpu.
      { bits: 3, granularity: { kind: 'group', axis: 0, size: 32 } },
    ] as const) {
      const host = quantizeAffine(hostTensor('float32', shape, values), options);
      for (const name of ['cpu', 'webgpu']) {
        await tf.setBackend(name);
        const tensor = tf.tensor(values, shape);
        const encoding = await quantizeAffineTensor(tensor, options);
        expect(encoding).toEqual(host);
        const restored = await dequantizeAffineTensor(encoding);
        expect(tf.getBackend()).toBe(name);
        expect(await restored.data()).toEqual(decode(host).data);
        tf.dispose([tensor, restored]);
      }
    }
  });

  it('route to the GPU kernel on webgpu and to the host kernel elsewhere', async () => {
    // The two kernels word a NaN differently: the GPU's range pass sees only that a value is not finite.
    const withNaN = values.slice();
    withNaN[77] = Number.NaN;
    for (const [name, message] of [['webgpu', /element 77 is NaN or infinite/], ['cpu', /element 77 is NaN;/]] as const) {
      await tf.setBackend(name);
      const tensor = tf.tensor(withNaN, shape);
      await expect(quantizeAffineTensor(tensor, { bits: 8, granularity: { kind: 'axis', axis: 1 } })).rejects.toThrow(message);
      tensor.dispose();
    }
  });

  it('refuse malformed encodings and disposed tensors with typed errors on webgpu', async () => {
    await tf.setBackend('webgpu');
    for (const malformed of [null, { kind: 'affine' }, { kind: 'affine', bits: 8, scales: null }]) {
      await expect(dequantizeAffineTensor(malformed as never)).rejects.toMatchObject({ code: 'invalid-encoding' });
    }
    const tensor = tf.tensor(values, shape);
    tensor.dispose();
    await expect(quantizeAffineTensor(tensor, { bits: 8, granularity: { kind: 'tensor' } })).rejects.toMatchObject({
      code: 'invalid-tensor',
    });
  });

  it('say which backend the GPU entries need when another is active', async () => {
    await tf.setBackend('cpu');
    const tensor = tf.tensor(values, shape);
    await expect(quantizeAffineOnGpu(tensor, { bits: 8, granularity: { kind: 'tensor' } })).rejects.toMatchObject({
      code: 'backend-unavailable',
      field: 'backend',
    });
    const encoding = quantizeAffine(hostTensor('float32', shape, values), { bits: 8, granularity: { kind: 'tensor' } });
    await expect(dequantizeOnGpu(encoding)).rejects.toMatchObject({ code: 'backend-unavailable' });
    tensor.dispose();
  });
});
