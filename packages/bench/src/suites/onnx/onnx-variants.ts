/**
 * The compressed forms of an ONNX model the `onnx` suite compares, each the file a transformers.js
 * dtype names: fp16, q8 (dynamic int8), q4 by round to nearest and q4 by GPTQ.
 */
import { hostTensor, type HostTensor, type Model } from '@whittle/core';
import { convertToFloat16, encodeModelProto, quantizeDynamic, quantizeMatMulsToNBits, readOnnxModel, writeOnnxModel } from '@whittle/onnx';
import { buildModelProto, type ModelSpec } from '@whittle/onnx/test';
import * as ort from 'onnxruntime-web';

ort.env.wasm.numThreads = 1;

/** Every variant's name, float32 first: the list the type is derived from. */
export const ONNX_VARIANTS = ['float32', 'fp16', 'q8', 'q4-rtn', 'q4-gptq'] as const;

/** One of {@link ONNX_VARIANTS}. */
export type OnnxVariant = (typeof ONNX_VARIANTS)[number];

/** GPTQ's calibration: each weight's MatMul input rows `[rows, K]`. */
export type Calibration = ReadonlyMap<string, HostTensor>;

/**
 * The `.onnx` bytes of `variant` of the float32 model `source`.
 *
 * @example
 * ```ts
 * const q4 = await variantBytes(source, 'q4-rtn', new Map());
 * ```
 */
export async function variantBytes(source: Uint8Array, variant: OnnxVariant, calibration: Calibration): Promise<Uint8Array> {
  if (variant === 'float32') return source;
  const model = await readOnnxModel(source);
  return writeOnnxModel(await compressed(model, variant, calibration));
}

async function compressed(model: Model, variant: Exclude<OnnxVariant, 'float32'>, calibration: Calibration): Promise<Model> {
  switch (variant) {
    case 'fp16':
      return convertToFloat16(model).model;
    case 'q8':
      return quantizeDynamic(model, { weightType: 'int8' }).model;
    case 'q4-rtn':
      return (await quantizeMatMulsToNBits(model, { blockSize: 32 })).model;
    case 'q4-gptq':
      return (await quantizeMatMulsToNBits(model, { blockSize: 32, method: 'gptq', calibration })).model;
  }
}

/**
 * Runs `spec` (built with extra outputs for the MatMuls' inputs) in onnxruntime on `samples`
 * seeded inputs and gathers, for each weight, the rows its MatMul reads.
 *
 * @example
 * ```ts
 * const calibration = await calibrationRows(withActivationOutputs(block), block.matMulInputs, inputs);
 * ```
 */
export async function calibrationRows(spec: ModelSpec, matMulInputs: ReadonlyMap<string, string>, samples: readonly Float32Array[]): Promise<Calibration> {
  const session = await createSession(encodeModelProto(buildModelProto(spec)));
  const input = spec.inputs[0]!;
  const dims = input.dims.map(Number);
  const gathered = new Map<string, Float32Array[]>();
  try {
    for (const sample of samples) {
      const results = await session.run({ [input.name]: new ort.Tensor('float32', sample, dims) });
      for (const activation of new Set(matMulInputs.values())) {
        gathered.set(activation, [...(gathered.get(activation) ?? []), Float32Array.from(results[activation]!.data as Float32Array)]);
      }
    }
  } finally {
    await session.release();
  }
  const calibration = new Map<string, HostTensor>();
  for (const [weight, activation] of matMulInputs) {
    const parts = gathered.get(activation)!;
    const width = Number(spec.initializers[weight]!.shape[0]);
    const rows = new Float32Array(parts.reduce((total, part) => total + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      rows.set(part, offset);
      offset += part.length;
    }
    calibration.set(weight, hostTensor('float32', [rows.length / width, width], rows));
  }
  return calibration;
}

/**
 * An onnxruntime-web session (wasm, one thread) of `bytes`, optimised as a deployment would be.
 *
 * @example
 * ```ts
 * const session = await createSession(bytes);
 * ```
 */
export function createSession(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
}

/**
 * The first output of `session` on one float32 input.
 *
 * @example
 * ```ts
 * const y = await runOnce(session, 'x', [1, 64, 768], data);
 * ```
 */
export async function runOnce(session: ort.InferenceSession, name: string, dims: readonly number[], data: Float32Array): Promise<Float32Array> {
  const results = await session.run({ [name]: new ort.Tensor('float32', data, [...dims]) });
  const output = results[session.outputNames[0]!]!;
  return Float32Array.from(output.data as ArrayLike<number>);
}
