/**
 * Test support: small tfjs-layers models with seeded weights, stock tfjs loading whittle's
 * output through its own HTTP loader, and plain float64 reference maths (matrix products, a
 * Conv2D) to compare factorized layers with their product form.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { decodeToFloat32, type Model } from '@whittle/core';
import { fromLayersModel } from '@whittle/core/runner';
import { writeTfjsArtifacts } from '@whittle/core/tfjs';

/** A tfjs-layers model built fresh, its weights drawn from `seed`, as a whittle Model. */
export async function seededLayersModel(build: () => tfl.LayersModel, seed: number): Promise<Model> {
  const layers = build();
  try {
    layers.layers.forEach((layer, layerIndex) =>
      layer.setWeights(layer.weights.map((weight, index) => tf.randomNormal(weight.shape as number[], 0, 0.5, 'float32', seed * 131 + layerIndex * 10 + index + 1))),
    );
    return await fromLayersModel(layers);
  } finally {
    layers.dispose();
  }
}

const BASE = 'http://whittle.test/model/';

/** `model` written by whittle and loaded by stock `tf.loadLayersModel` through tfjs's HTTP loader. */
export function loadStock(model: Model): Promise<tfl.LayersModel> {
  const artifacts = writeTfjsArtifacts(model);
  const files = new Map<string, string | Uint8Array>([['model.json', JSON.stringify(artifacts.modelJson)]]);
  for (const shard of artifacts.shards) files.set(shard.path, shard.bytes);
  const fetchFunc = async (input: RequestInfo | URL): Promise<Response> => {
    const body = files.get(String(input).slice(BASE.length));
    return body === undefined ? new Response(null, { status: 404 }) : new Response(body as BodyInit);
  };
  return tfl.loadLayersModel(tf.io.http(`${BASE}model.json`, { fetchFunc: fetchFunc as typeof fetch }));
}

/** Stock tfjs's predictions of `model` on `inputs` (`rows` samples of `inputShape`), flat. */
export async function stockPredict(model: Model, inputs: Float32Array, inputShape: readonly number[]): Promise<Float32Array> {
  const layers = await loadStock(model);
  try {
    const rows = inputs.length / inputShape.reduce((product, size) => product * size, 1);
    const output = tf.tidy(() => layers.predict(tf.tensor(inputs, [rows, ...inputShape])) as tf.Tensor);
    const values = (await output.data()) as Float32Array;
    output.dispose();
    return values;
  } finally {
    layers.dispose();
  }
}

/** Deterministic pseudo-random values in [-1, 1). */
export function randomValues(count: number, seed: number): Float32Array {
  let state = seed >>> 0 || 1;
  return Float32Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
}

/** A param's values as float64. */
export function paramValues(model: Model, name: string): Float64Array {
  const param = model.params.get(name);
  if (param === undefined) throw new Error(`no param ${name}`);
  return Float64Array.from(decodeToFloat32(param.value).data);
}

/** (rows × inner)·(inner × columns) in float64, row-major. */
export function matrixProduct(left: ArrayLike<number>, right: ArrayLike<number>, rows: number, inner: number, columns: number): Float64Array {
  const result = new Float64Array(rows * columns);
  for (let row = 0; row < rows; row++) {
    for (let k = 0; k < inner; k++) {
      const weight = left[row * inner + k]!;
      for (let column = 0; column < columns; column++) result[row * columns + column]! += weight * right[k * columns + column]!;
    }
  }
  return result;
}

/** ‖a − b‖_F / ‖a‖_F in float64. */
export function relativeError(reference: ArrayLike<number>, approximation: ArrayLike<number>): number {
  let difference = 0;
  let norm = 0;
  for (let index = 0; index < reference.length; index++) {
    difference += (reference[index]! - approximation[index]!) ** 2;
    norm += reference[index]! ** 2;
  }
  return norm === 0 ? Math.sqrt(difference) : Math.sqrt(difference / norm);
}

/** An activation by its Keras name, in float64. */
export function activate(name: string, value: number): number {
  if (name === 'relu') return Math.max(0, value);
  if (name === 'tanh') return Math.tanh(value);
  if (name === 'sigmoid') return 1 / (1 + Math.exp(-value));
  if (name === 'linear') return value;
  throw new Error(`no reference for activation ${name}`);
}

/** A Dense layer in float64: act(x·W + b) over `rows` inputs. */
export function denseReference(
  inputs: ArrayLike<number>,
  rows: number,
  kernel: ArrayLike<number>,
  bias: ArrayLike<number> | undefined,
  inSize: number,
  outSize: number,
  activation: string,
): Float64Array {
  const result = matrixProduct(inputs, kernel, rows, inSize, outSize);
  for (let index = 0; index < result.length; index++) result[index] = activate(activation, result[index]! + (bias?.[index % outSize] ?? 0));
  return result;
}

/** The options of {@link conv2dReference}, as Keras names them. */
export interface ConvReferenceOptions {
  readonly strides: readonly [number, number];
  readonly padding: 'same' | 'valid';
  readonly dilation: readonly [number, number];
  readonly activation: string;
}

/**
 * A channels-last Conv2D in float64, written out plainly: NHWC inputs, kernel
 * [kh, kw, in, out], TensorFlow's `same` padding (the odd pixel after).
 */
export function conv2dReference(
  inputs: ArrayLike<number>,
  inputShape: readonly [number, number, number, number],
  kernel: ArrayLike<number>,
  kernelShape: readonly [number, number, number, number],
  bias: ArrayLike<number> | undefined,
  options: ConvReferenceOptions,
): { values: Float64Array; shape: [number, number, number, number] } {
  const [batch, height, width, channels] = inputShape;
  const [kh, kw, , filters] = kernelShape;
  const [sh, sw] = options.strides;
  const [dh, dw] = options.dilation;
  const spanH = (kh - 1) * dh + 1;
  const spanW = (kw - 1) * dw + 1;
  const outH = options.padding === 'same' ? Math.ceil(height / sh) : Math.floor((height - spanH) / sh) + 1;
  const outW = options.padding === 'same' ? Math.ceil(width / sw) : Math.floor((width - spanW) / sw) + 1;
  const padTop = options.padding === 'same' ? Math.floor(Math.max((outH - 1) * sh + spanH - height, 0) / 2) : 0;
  const padLeft = options.padding === 'same' ? Math.floor(Math.max((outW - 1) * sw + spanW - width, 0) / 2) : 0;
  const values = new Float64Array(batch * outH * outW * filters);
  for (let n = 0; n < batch; n++)
    for (let y = 0; y < outH; y++)
      for (let x = 0; x < outW; x++)
        for (let f = 0; f < filters; f++) {
          let sum = bias?.[f] ?? 0;
          for (let i = 0; i < kh; i++)
            for (let j = 0; j < kw; j++) {
              const row = y * sh + i * dh - padTop;
              const column = x * sw + j * dw - padLeft;
              if (row < 0 || row >= height || column < 0 || column >= width) continue;
              for (let c = 0; c < channels; c++) {
                sum += inputs[((n * height + row) * width + column) * channels + c]! * kernel[((i * kw + j) * channels + c) * filters + f]!;
              }
            }
          values[((n * outH + y) * outW + x) * filters + f] = activate(options.activation, sum);
        }
  return { values, shape: [batch, outH, outW, filters] };
}

/** The largest |a − b| over the arrays, against the largest |a|. */
export function maxDifference(reference: ArrayLike<number>, actual: ArrayLike<number>): { difference: number; scale: number } {
  let difference = 0;
  let scale = 0;
  for (let index = 0; index < reference.length; index++) {
    difference = Math.max(difference, Math.abs(reference[index]! - actual[index]!));
    scale = Math.max(scale, Math.abs(reference[index]!));
  }
  return { difference, scale };
}
