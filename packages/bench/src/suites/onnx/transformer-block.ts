/**
 * A transformer block of realistic width, built in code from seeded weights: the model the
 * `onnx` suite compresses and runs in onnxruntime.
 */
import { hostTensor, type HostTensor } from '@whittle/core';
import type { ModelSpec } from '@whittle/onnx/test';
import { seededRandom } from '../../seeded-random.ts';

/** Sizes of {@link transformerBlockSpec}. */
export interface TransformerBlockSize {
  /** Model width (768 for BERT-base and GPT-2 small). */
  readonly hidden: number;
  /** MLP width (3072 = 4 × 768). */
  readonly mlp: number;
  /** Tokens per input. */
  readonly tokens: number;
}

/** The block, and for each weight the activation its MatMul reads (GPTQ's calibration rows). */
export interface TransformerBlock {
  readonly spec: ModelSpec;
  readonly matMulInputs: ReadonlyMap<string, string>;
  /** Parameters in its weights (the MatMul B initializers). */
  readonly weightParams: number;
}

/**
 * x[1, tokens, hidden] → LayerNorm → q, k, v MatMuls → softmax(q·kᵀ / √hidden)·v → output MatMul
 * + bias → residual → LayerNorm → MatMul to `mlp` + bias → Gelu → MatMul back + bias → residual.
 * One attention head over the whole width: the same MatMul shapes as a multi-head block, without
 * the reshapes. Weights are normal with standard deviation 1/√fan-in, seeded.
 *
 * @example
 * ```ts
 * const { spec } = transformerBlockSpec({ hidden: 768, mlp: 3072, tokens: 64 }, 1);
 * ```
 */
export function transformerBlockSpec(size: TransformerBlockSize, seed: number): TransformerBlock {
  const { hidden, mlp, tokens } = size;
  const random = seededRandom(seed);
  const matrix = (rows: number, columns: number): HostTensor => hostTensor('float32', [rows, columns], random.normalArray(rows * columns, 0, 1 / Math.sqrt(rows)));
  const vector = (length: number, mean: number, deviation: number): HostTensor => hostTensor('float32', [length], random.normalArray(length, mean, deviation));
  const spec: ModelSpec = {
    inputs: [{ name: 'x', dims: [1, tokens, hidden] }],
    outputs: [{ name: 'y', dims: [1, tokens, hidden] }],
    initializers: {
      ln1_scale: vector(hidden, 1, 0.05),
      ln1_bias: vector(hidden, 0, 0.05),
      wq: matrix(hidden, hidden),
      wk: matrix(hidden, hidden),
      wv: matrix(hidden, hidden),
      wo: matrix(hidden, hidden),
      bo: vector(hidden, 0, 0.02),
      scale: hostTensor('float32', [], new Float32Array([1 / Math.sqrt(hidden)])),
      ln2_scale: vector(hidden, 1, 0.05),
      ln2_bias: vector(hidden, 0, 0.05),
      w1: matrix(hidden, mlp),
      b1: vector(mlp, 0, 0.02),
      w2: matrix(mlp, hidden),
      b2: vector(hidden, 0, 0.02),
    },
    nodes: [
      { op: 'LayerNormalization', inputs: ['x', 'ln1_scale', 'ln1_bias'], outputs: ['n1'], attributes: { axis: -1 } },
      { op: 'MatMul', inputs: ['n1', 'wq'], outputs: ['q'] },
      { op: 'MatMul', inputs: ['n1', 'wk'], outputs: ['k'] },
      { op: 'MatMul', inputs: ['n1', 'wv'], outputs: ['v'] },
      { op: 'Transpose', inputs: ['k'], outputs: ['kt'], attributes: { perm: [0, 2, 1] } },
      { op: 'MatMul', inputs: ['q', 'kt'], outputs: ['s0'] },
      { op: 'Mul', inputs: ['s0', 'scale'], outputs: ['s1'] },
      { op: 'Softmax', inputs: ['s1'], outputs: ['attention'], attributes: { axis: -1 } },
      { op: 'MatMul', inputs: ['attention', 'v'], outputs: ['context'] },
      { op: 'MatMul', inputs: ['context', 'wo'], outputs: ['o0'] },
      { op: 'Add', inputs: ['o0', 'bo'], outputs: ['o1'] },
      { op: 'Add', inputs: ['x', 'o1'], outputs: ['r1'] },
      { op: 'LayerNormalization', inputs: ['r1', 'ln2_scale', 'ln2_bias'], outputs: ['n2'], attributes: { axis: -1 } },
      { op: 'MatMul', inputs: ['n2', 'w1'], outputs: ['m0'] },
      { op: 'Add', inputs: ['m0', 'b1'], outputs: ['m1'] },
      { op: 'Gelu', inputs: ['m1'], outputs: ['m2'] },
      { op: 'MatMul', inputs: ['m2', 'w2'], outputs: ['m3'] },
      { op: 'Add', inputs: ['m3', 'b2'], outputs: ['m4'] },
      { op: 'Add', inputs: ['r1', 'm4'], outputs: ['y'] },
    ],
  };
  const matMulInputs = new Map([
    ['wq', 'n1'],
    ['wk', 'n1'],
    ['wv', 'n1'],
    ['wo', 'context'],
    ['w1', 'n2'],
    ['w2', 'm2'],
  ]);
  return { spec, matMulInputs, weightParams: 4 * hidden * hidden + 2 * hidden * mlp };
}

/**
 * The same block with the MatMuls' inputs as extra graph outputs, so onnxruntime computes the
 * rows GPTQ calibrates on.
 *
 * @example
 * ```ts
 * const probe = withActivationOutputs(block);
 * ```
 */
export function withActivationOutputs(block: TransformerBlock): ModelSpec {
  const names = [...new Set(block.matMulInputs.values())];
  const [input] = block.spec.inputs;
  const tokens = input!.dims[1]!;
  const width = (name: string): number => (name === 'm2' ? Number(block.spec.initializers.w1!.shape[1]) : Number(input!.dims[2]));
  return { ...block.spec, outputs: [...block.spec.outputs, ...names.map((name) => ({ name, dims: [1, tokens, width(name)] }))] };
}
