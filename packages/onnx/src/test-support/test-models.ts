/**
 * The models the tests run: an MLP (MatMul + Add), a Gemm net, a conv net, a transformer-like
 * block with attention MatMuls, and a Gather embedding, each with seeded random weights.
 */
import { hostTensor, type HostTensor } from '@whittle/core';
import { int64Tensor, type ModelSpec } from './build-model-proto.ts';
import { randomFloats } from './random-floats.ts';

export { buildModelProto } from './build-model-proto.ts';

const f32 = (shape: number[], seed: number, scale = 0.5): HostTensor => hostTensor('float32', shape, randomFloats(shape.reduce((a, b) => a * b, 1), seed, scale));

/** x[batch, 8] → MatMul(w1 [8, 16]) + b1 → Relu → MatMul(w2 [16, 4]) + b2 → y[batch, 4]. */
export function mlpSpec(): ModelSpec {
  return {
    inputs: [{ name: 'x', dims: ['batch', 8] }],
    outputs: [{ name: 'y', dims: ['batch', 4] }],
    initializers: { w1: f32([8, 16], 1), b1: f32([16], 2), w2: f32([16, 4], 3), b2: f32([4], 4) },
    nodes: [
      { op: 'MatMul', inputs: ['x', 'w1'], outputs: ['h0'], name: 'fc1' },
      { op: 'Add', inputs: ['h0', 'b1'], outputs: ['h1'] },
      { op: 'Relu', inputs: ['h1'], outputs: ['h2'] },
      { op: 'MatMul', inputs: ['h2', 'w2'], outputs: ['h3'], name: 'fc2' },
      { op: 'Add', inputs: ['h3', 'b2'], outputs: ['y'] },
    ],
  };
}

/** x[2, 6] → Gemm(transB = 1, w [5, 6], c [5]) → Sigmoid → y[2, 5]. */
export function gemmSpec(): ModelSpec {
  return {
    inputs: [{ name: 'x', dims: [2, 6] }],
    outputs: [{ name: 'y', dims: [2, 5] }],
    initializers: { w: f32([5, 6], 11), c: f32([5], 12) },
    nodes: [
      { op: 'Gemm', inputs: ['x', 'w', 'c'], outputs: ['g'], attributes: { transB: 1, alpha: { float: 0.75 } } },
      { op: 'Sigmoid', inputs: ['g'], outputs: ['y'] },
    ],
  };
}

/** x[1, 3, 8, 8] → Conv(4×3×3×3, pad 1) → BatchNormalization → Relu → GlobalAveragePool → Flatten → MatMul → y[1, 2]. */
export function convSpec(): ModelSpec {
  const ones = hostTensor('float32', [4], new Float32Array([1, 0.5, 2, 1.5]));
  return {
    inputs: [{ name: 'x', dims: [1, 3, 8, 8] }],
    outputs: [{ name: 'y', dims: [1, 2] }],
    initializers: {
      kernel: f32([4, 3, 3, 3], 21),
      kernel_bias: f32([4], 22),
      gamma: ones,
      beta: f32([4], 23),
      mean: f32([4], 24, 0.1),
      variance: hostTensor('float32', [4], new Float32Array([1, 2, 0.5, 1])),
      head: f32([4, 2], 25),
    },
    nodes: [
      { op: 'Conv', inputs: ['x', 'kernel', 'kernel_bias'], outputs: ['c'], attributes: { pads: [1, 1, 1, 1], kernel_shape: [3, 3] } },
      { op: 'BatchNormalization', inputs: ['c', 'gamma', 'beta', 'mean', 'variance'], outputs: ['n'] },
      { op: 'Relu', inputs: ['n'], outputs: ['r'] },
      { op: 'GlobalAveragePool', inputs: ['r'], outputs: ['p'] },
      { op: 'Flatten', inputs: ['p'], outputs: ['f'] },
      { op: 'MatMul', inputs: ['f', 'head'], outputs: ['y'] },
    ],
  };
}

/**
 * A transformer-like block on x[1, 4, 16]: LayerNormalization, q/k/v MatMuls, scores =
 * q·kᵀ / 4, Softmax, context = scores·v, an output MatMul and a residual Add.
 */
export function attentionSpec(): ModelSpec {
  const width = 16;
  return {
    inputs: [{ name: 'x', dims: [1, 4, width] }],
    outputs: [{ name: 'y', dims: [1, 4, width] }],
    initializers: {
      ln_scale: f32([width], 31, 1),
      ln_bias: f32([width], 32, 0.1),
      wq: f32([width, width], 33, 0.3),
      wk: f32([width, width], 34, 0.3),
      wv: f32([width, width], 35, 0.3),
      wo: f32([width, width], 36, 0.3),
      bo: f32([width], 37, 0.1),
      scale: hostTensor('float32', [], new Float32Array([0.25])),
    },
    nodes: [
      { op: 'LayerNormalization', inputs: ['x', 'ln_scale', 'ln_bias'], outputs: ['n'], attributes: { axis: -1 } },
      { op: 'MatMul', inputs: ['n', 'wq'], outputs: ['q'] },
      { op: 'MatMul', inputs: ['n', 'wk'], outputs: ['k'] },
      { op: 'MatMul', inputs: ['n', 'wv'], outputs: ['v'] },
      { op: 'Transpose', inputs: ['k'], outputs: ['kt'], attributes: { perm: [0, 2, 1] } },
      { op: 'MatMul', inputs: ['q', 'kt'], outputs: ['s0'] },
      { op: 'Mul', inputs: ['s0', 'scale'], outputs: ['s1'] },
      { op: 'Softmax', inputs: ['s1'], outputs: ['a'], attributes: { axis: -1 } },
      { op: 'MatMul', inputs: ['a', 'v'], outputs: ['ctx'] },
      { op: 'MatMul', inputs: ['ctx', 'wo'], outputs: ['o0'] },
      { op: 'Add', inputs: ['o0', 'bo'], outputs: ['o1'] },
      { op: 'Add', inputs: ['x', 'o1'], outputs: ['y'] },
    ],
  };
}

/** ids[1, 5] (int64) → Gather(table [10, 6]) → ReduceMean over tokens → y[1, 6]. */
export function embeddingSpec(): ModelSpec {
  return {
    inputs: [{ name: 'ids', dims: [1, 5], type: 7 }],
    outputs: [{ name: 'y', dims: [1, 6] }],
    initializers: { table: f32([10, 6], 41) },
    rawInitializers: [int64Tensor('axes', [1])],
    nodes: [
      { op: 'Gather', inputs: ['table', 'ids'], outputs: ['e'] },
      { op: 'ReduceMean', inputs: ['e', 'axes'], outputs: ['y'], attributes: { keepdims: 0 } },
    ],
  };
}

/** Every test model by name. */
export const TEST_MODELS = { mlp: mlpSpec, gemm: gemmSpec, conv: convSpec, attention: attentionSpec, embedding: embeddingSpec } as const;


