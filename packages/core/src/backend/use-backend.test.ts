import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
import { WhittleError } from '../errors.ts';
import { GRADIENTS_ENTRY, gradientsRegistered, loadGradients, requireGradients } from './gradients.ts';
import { backendInfo, useBackend, type BackendName } from './use-backend.ts';

/** A small computation touching matMul, conv2d, reductions and elementwise ops. */
function computation(): Float32Array {
  return tf.tidy(() => {
    const a = tf.tensor2d(Array.from({ length: 64 * 48 }, (_, index) => Math.sin(index * 0.37)), [64, 48]);
    const b = tf.tensor2d(Array.from({ length: 48 * 32 }, (_, index) => Math.cos(index * 0.11)), [48, 32]);
    const product = tf.relu(tf.matMul(a, b));
    const image = tf.reshape<tf.Rank.R4>(tf.slice(product, [0, 0], [64, 32]), [1, 8, 8, 32]);
    const filter = tf.tensor4d(Array.from({ length: 3 * 3 * 32 * 4 }, (_, index) => Math.sin(index)), [3, 3, 32, 4]);
    const convolved = tf.conv2d(image, filter, 1, 'same');
    const softmax = tf.softmax(tf.reshape(convolved, [16, 16]));
    return tf.concat([tf.reshape(softmax, [-1]), tf.reshape(tf.sum(product, 0), [-1])]).dataSync() as Float32Array;
  });
}

describe('useBackend', () => {
  test('wasm is the default, with SIMD on and no gradients until asked for', async () => {
    const info = await useBackend();
    expect(info).toMatchObject({ name: 'wasm', simd: true, gradients: false, runtime: 'node' });
    expect(tf.getBackend()).toBe('wasm');
    expect(info.tfjsVersion).toMatch(/^4\./);
    // tfjs's own failure without gradients, which training code would otherwise meet.
    expect(() => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(x, x)))(tf.tensor1d([1]))).toThrow(/gradient function not found/);
    expect(() => requireGradients('training')).toThrow(WhittleError);
    expect(() => requireGradients('training')).toThrow(/training.*useBackend\(name, \{ gradients: true \}\)/);
  });

  test('gradients that cannot be loaded are a backend-unavailable error naming the entry to import', async () => {
    const failure = loadGradients(async () => {
      throw new TypeError('Failed to resolve module specifier');
    });
    await expect(failure).rejects.toMatchObject({ code: 'backend-unavailable', field: 'gradients' });
    await expect(failure).rejects.toThrow(`import '${GRADIENTS_ENTRY}'`);
    await expect(useBackend('cpu', { gradients: 'yes' as unknown as boolean })).rejects.toMatchObject({
      code: 'invalid-argument',
      field: 'gradients',
    });
  });

  test('loadGradients imports the gradients entry, once', async () => {
    const asked: string[] = [];
    // The source of the entry that package.json's './register-gradients' is built from.
    const load = async (specifier: string): Promise<unknown> => {
      asked.push(specifier);
      return import('./register-gradients.ts');
    };
    await loadGradients(load);
    await loadGradients(load);
    expect(asked).toEqual([GRADIENTS_ENTRY]);
    expect(gradientsRegistered()).toBe(true);
    const info = await useBackend('cpu', { gradients: true });
    expect(info.gradients).toBe(true);
    // The first import of tfjs's gradients goes through the test bundler file by file (a few
    // hundred of them): seconds when idle, far longer on a loaded machine.
  }, 300_000);

  test.each<BackendName>(['cpu', 'wasm'])('tf.grad works on %s with gradients: true', async (name) => {
    await useBackend(name, { gradients: true });
    const gradient = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(x, x)));
    expect(Array.from(gradient(tf.tensor1d([1, -2, 3])).dataSync())).toEqual([2, -4, 6]);
  });

  test('the same computation agrees on cpu and wasm', async () => {
    await useBackend('cpu');
    const onCpu = computation();
    await useBackend('wasm');
    const onWasm = computation();
    expect(onWasm.length).toBe(onCpu.length);
    for (let index = 0; index < onCpu.length; index++) {
      const tolerance = 1e-4 * Math.max(1, Math.abs(onCpu[index]!));
      expect(Math.abs(onWasm[index]! - onCpu[index]!)).toBeLessThanOrEqual(tolerance);
    }
  });

  test('webgpu without a GPU is a clear backend-unavailable error, and fallback works', async () => {
    await expect(useBackend('webgpu')).rejects.toMatchObject({ code: 'backend-unavailable' });
    await expect(useBackend('webgpu')).rejects.toThrow(/WebGPU/);
    const info = await useBackend('webgpu', { fallback: ['cpu'] });
    expect(info.name).toBe('cpu');
    expect((await backendInfo()).name).toBe('cpu');
  });

  test('a GPU with no adapter is reported as such', async () => {
    const gpu = { requestAdapter: async () => null };
    await expect(useBackend('webgpu', { gpu })).rejects.toThrow(/no adapter/);
  });

  test('an unknown backend name is an invalid-argument error', async () => {
    const failure = useBackend('tpu' as BackendName);
    await expect(failure).rejects.toBeInstanceOf(WhittleError);
    await expect(failure).rejects.toMatchObject({ code: 'invalid-argument', field: 'backend' });
  });
});
