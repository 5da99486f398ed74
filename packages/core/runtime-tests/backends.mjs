import * as tf from '@tensorflow/tfjs-core';
import { backendInfo, detectRuntime, fromTensorSync, gradientsRegistered, hostTensor, toTensor, useBackend } from '../dist/index.js';
import { assert, assertClose, assertRejects, test } from './harness.mjs';

function computation() {
  return tf.tidy(() => {
    const a = tf.tensor2d(Array.from({ length: 32 * 24 }, (_, index) => Math.sin(index * 0.37)), [32, 24]);
    const b = tf.tensor2d(Array.from({ length: 24 * 16 }, (_, index) => Math.cos(index * 0.11)), [24, 16]);
    const product = tf.relu(tf.matMul(a, b));
    return Array.from(tf.concat([tf.reshape(tf.softmax(product), [-1]), tf.sum(product, 0)]).dataSync());
  });
}

test('the runtime is detected', () => {
  const runtime = detectRuntime();
  assert(['node', 'deno', 'bun'].includes(runtime.name), `runtime ${runtime.name}`);
});

// First of all the tests: no backend has been started in this process yet.
test('a whittle call on tfjs before useBackend is whittle\'s own error saying to call it', async () => {
  await assertRejects(() => toTensor(hostTensor('float32', [1], new Float32Array(1))), 'backend-unavailable');
  try {
    toTensor(hostTensor('float32', [1], new Float32Array(1)));
  } catch (error) {
    assert(error.name === 'WhittleError' && /useBackend\(\)/.test(error.message), `message: ${error.message}`);
  }
});

test('wasm is the default backend, with SIMD and no gradients until asked for', async () => {
  const info = await useBackend();
  assert(info.name === 'wasm', `backend ${info.name}`);
  assert(info.simd === true, 'SIMD on');
  assert(info.gradients === false && !gradientsRegistered(), 'gradients not registered');
  assert((await backendInfo()).name === 'wasm', 'backendInfo agrees');
});

// The gradients are loaded from '@whittle/core/register-gradients' at run time: this checks
// that each runtime resolves the package's own subpath.
for (const name of ['cpu', 'wasm']) {
  test(`useBackend('${name}', { gradients: true }) makes tf.grad work`, async () => {
    const info = await useBackend(name, { gradients: true });
    assert(info.gradients === true, 'gradients registered');
    const gradient = tf.grad((x) => tf.sum(tf.mul(x, x)));
    assertClose(Array.from(gradient(tf.tensor1d([1, -2, 3])).dataSync()), [2, -4, 6], 0, 'gradient');
  });
}

test('cpu and wasm agree on the same computation', async () => {
  await useBackend('cpu');
  const onCpu = computation();
  await useBackend('wasm');
  assertClose(computation(), onCpu, 1e-4, 'cpu vs wasm');
});

test('HostTensor round trips through the backend', async () => {
  await useBackend('wasm');
  const host = hostTensor('float16', [2], new Uint16Array([0x3c00, 0xc000]));
  const back = fromTensorSync(toTensor(host));
  assertClose(Array.from(back.data), [1, -2], 0, 'values');
});

test('webgpu without a GPU is a clear error; fallback works', async () => {
  if (detectRuntime().name === 'deno' && globalThis.navigator?.gpu) return; // Deno may have a software adapter
  await assertRejects(() => useBackend('webgpu'), 'backend-unavailable');
  const info = await useBackend('webgpu', { fallback: ['cpu'] });
  assert(info.name === 'cpu', `fell back to ${info.name}`);
});

// Node only: tfjs-backend-wasm's emscripten glue takes over `uncaughtException` and
// `unhandledRejection`; after useBackend the user's errors must fail the way they do without it.
for (const failure of ['throw', 'reject']) {
  test(`after useBackend('wasm') an uncaught error (${failure}) fails as it does without whittle`, async () => {
    if (detectRuntime().name !== 'node') return;
    const { spawnSync } = await import('node:child_process');
    const child = new URL('./uncaught-error-child.mjs', import.meta.url).pathname;
    const run = (backend) => spawnSync(process.execPath, [child, failure, backend], { encoding: 'utf8', timeout: 60_000 });
    const plain = run('none');
    const withWasm = run('wasm');
    assert(plain.status === 1, `without whittle: exit status ${plain.status}`);
    assert(withWasm.status === plain.status, `exit status ${withWasm.status}, ${plain.status} without whittle`);
    assert(withWasm.stderr.includes('Error: the user script failed'), `stderr shows the user's error: ${withWasm.stderr}`);
    assert(!withWasm.stderr.includes('tfjs-backend-wasm'), `stderr points into tfjs-backend-wasm: ${withWasm.stderr}`);
    const firstLines = (text) => text.split('\n').slice(0, 3).join('\n');
    assert(firstLines(withWasm.stderr) === firstLines(plain.stderr), `stderr starts as without whittle:\n${withWasm.stderr}\n---\n${plain.stderr}`);
  });
}
