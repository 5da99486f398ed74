// This file starts no backend before its first test: vitest runs each test file in a fresh
// process, and nothing here registers one at import.
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { WhittleError } from '../errors.ts';
import { whittleIOHandler } from '../formats/tfjs/io-handler.ts';
import { modelFromTensors } from '../model/index.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import { toTensor } from '../tensor/tfjs-tensor.ts';
import { requireBackend } from './require-backend.ts';
import { backendInfo, useBackend } from './use-backend.ts';

test('without a backend, tfjs itself gives only its bare registry error', () => {
  expect(tf.engine().backendNames()).toEqual([]);
  expect(() => tf.tensor([1])).toThrow('No backend found in registry.');
});

test('whittle calls on tfjs before useBackend are whittle errors saying to call it', async () => {
  const host = hostTensor('float32', [2], new Float32Array([1, 2]));
  expect(() => toTensor(host)).toThrow(WhittleError);
  expect(() => toTensor(host)).toThrow(/toTensor.*no tfjs backend is ready: call `await useBackend\(\)` first/);
  expect(() => requireBackend('anything')).toThrow(expect.objectContaining({ code: 'backend-unavailable', field: 'backend' }));
  await expect(backendInfo()).rejects.toThrow(/backendInfo.*`await useBackend\(\)`/);
  const model = modelFromTensors({ 'dense/kernel': host }, { topology: { class_name: 'Sequential', config: { layers: [] } } });
  await expect(whittleIOHandler(model).load!()).rejects.toThrow(/useBackend\(\)/);
});

test('a wasm backend whose binaries are not found says to set wasmPaths', async () => {
  // What a bundled app meets when the .wasm files are not served where tfjs looks for them.
  const failure = useBackend('wasm', { wasmPaths: '/nonexistent/wasm-binaries/' });
  await expect(failure).rejects.toMatchObject({ code: 'backend-unavailable' });
  await expect(failure).rejects.toThrow(/wasm backend failed to initialise.*set wasmPaths to the URL they are served from/);
});

test('after useBackend the same calls run', async () => {
  await useBackend('cpu');
  const tensor = toTensor(hostTensor('float32', [2], new Float32Array([1, 2])));
  expect(Array.from(tensor.dataSync())).toEqual([1, 2]);
  tensor.dispose();
});
