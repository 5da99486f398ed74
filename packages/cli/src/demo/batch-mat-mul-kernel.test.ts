import * as tf from '@tensorflow/tfjs-core';
import { loadGradients, useBackend } from '@whittle/core';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { registerWasmBatchMatMulKernel } from './batch-mat-mul-kernel.ts';

beforeAll(async () => {
  await loadGradients();
  await useBackend('wasm');
  registerWasmBatchMatMulKernel();
});
afterAll(async () => {
  await useBackend('wasm');
});

const values = (count: number, seed: number) => Float32Array.from({ length: count }, (_, index) => Math.sin(seed * 3.7 + index * 1.13));

/** a · b written out: `a` is [batchA, rows, inner] (or its transpose), `b` [batchB, inner, columns] (or its transpose), batch broadcast from 1. */
function referenceProduct(
  a: Float32Array,
  b: Float32Array,
  shape: { batchA: number; batchB: number; rows: number; inner: number; columns: number },
  transposeA: boolean,
  transposeB: boolean,
): Float32Array {
  const { batchA, batchB, rows, inner, columns } = shape;
  const batch = Math.max(batchA, batchB);
  const out = new Float32Array(batch * rows * columns);
  for (let item = 0; item < batch; item++) {
    const aBase = (batchA === 1 ? 0 : item) * rows * inner;
    const bBase = (batchB === 1 ? 0 : item) * inner * columns;
    for (let row = 0; row < rows; row++) {
      for (let column = 0; column < columns; column++) {
        let sum = 0;
        for (let k = 0; k < inner; k++) {
          const aValue = a[aBase + (transposeA ? k * rows + row : row * inner + k)]!;
          const bValue = b[bBase + (transposeB ? column * inner + k : k * columns + column)]!;
          sum += aValue * bValue;
        }
        out[(item * rows + row) * columns + column] = sum;
      }
    }
  }
  return out;
}

const cases = fc.record({
  batchA: fc.constantFrom(1, 2, 3),
  broadcastB: fc.boolean(),
  rows: fc.integer({ min: 1, max: 9 }),
  inner: fc.integer({ min: 1, max: 9 }),
  columns: fc.integer({ min: 1, max: 9 }),
  transposeA: fc.boolean(),
  transposeB: fc.boolean(),
  rank: fc.constantFrom(2, 3, 4),
  seed: fc.integer({ min: 0, max: 1000 }),
});

test('the product on wasm equals a hand-written loop and the cpu backend, for every transpose and batch shape', async () => {
  expect(tf.getKernel(tf.BatchMatMul, 'wasm')?.kernelFunc.name).toBe('untransposedBatchMatMul');
  await fc.assert(
    fc.asyncProperty(cases, async ({ batchA: rawBatchA, broadcastB, rows, inner, columns, transposeA, transposeB, rank, seed }) => {
      const batchA = rank === 2 ? 1 : rawBatchA;
      const batchB = broadcastB || rank === 2 ? 1 : batchA;
      const a = values(batchA * rows * inner, seed);
      const b = values(batchB * inner * columns, seed + 0.5);
      const lead = (batch: number) => (rank === 2 ? [] : rank === 3 ? [batch] : [1, batch]);
      const aShape = [...lead(batchA), ...(transposeA ? [inner, rows] : [rows, inner])];
      const bShape = [...lead(batchB), ...(transposeB ? [columns, inner] : [inner, columns])];
      const product = async () => {
        const operands = [tf.tensor(a, aShape), tf.tensor(b, bShape)] as const;
        const result = tf.matMul(operands[0], operands[1], transposeA, transposeB);
        try {
          return { shape: result.shape, data: (await result.data()) as Float32Array };
        } finally {
          tf.dispose([...operands, result]);
        }
      };
      await useBackend('wasm');
      const wasm = await product();
      await useBackend('cpu');
      const cpu = await product();
      await useBackend('wasm');
      const reference = referenceProduct(a, b, { batchA, batchB, rows, inner, columns }, transposeA, transposeB);
      expect(wasm.shape).toEqual(cpu.shape);
      for (let element = 0; element < reference.length; element++) {
        expect(wasm.data[element]).toBeCloseTo(reference[element]!, 4);
        expect(wasm.data[element]).toBeCloseTo(cpu.data[element]!, 4);
      }
    }),
    { numRuns: 60 },
  );
});

test("a Dense layer's gradients (transposed products) on wasm equal the cpu backend's", async () => {
  const gradients = async () => {
    const x = tf.tensor2d(values(6 * 7, 1), [6, 7]);
    const weights = tf.tensor2d(values(7 * 5, 2), [7, 5]);
    const [dx, dWeights] = tf.grads((input: tf.Tensor, kernel: tf.Tensor) => tf.sum(tf.square(tf.matMul(input, kernel))))([x, weights]);
    return [await dx!.data(), await dWeights!.data()];
  };
  await useBackend('wasm');
  const wasm = await gradients();
  await useBackend('cpu');
  const cpu = await gradients();
  await useBackend('wasm');
  for (const [index, values] of wasm.entries()) for (const [element, value] of values.entries()) expect(value).toBeCloseTo(cpu[index]![element]!, 3);
});

test('registering twice keeps one wrapper, even after a profiler wrapped its function in place, and no tensor is left behind', async () => {
  const registered = tf.getKernel(tf.BatchMatMul, 'wasm')! as { kernelFunc: tf.KernelFunc };
  const ours = registered.kernelFunc;
  let calls = 0;
  registered.kernelFunc = (args) => (calls++, ours(args));
  registerWasmBatchMatMulKernel();
  expect(tf.getKernel(tf.BatchMatMul, 'wasm')).toBe(registered);
  const a = tf.ones([3, 4]);
  const b = tf.ones([5, 4]);
  const before = tf.memory().numTensors;
  const bytesBefore = tf.memory().numBytes;
  const product = tf.matMul(a, b, false, true);
  expect(await product.data()).toEqual(new Float32Array(15).fill(4));
  product.dispose();
  expect(tf.memory().numTensors).toBe(before);
  expect(tf.memory().numBytes).toBe(bytesBefore);
  expect(calls).toBe(1);
  registered.kernelFunc = ours;
  tf.dispose([a, b]);
});
