import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type AffineEncoding } from '@whittle/core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { seededRandom } from '../../seeded-random.ts';
import { graphCalibrationBatches, imageLike, readGraphModels, runGraphModel } from './graph-models.ts';
import { stockArtifactsOf } from './stock-artifacts.ts';
import { stockUint8 } from './stock-uint8-variants.ts';

const float = { type: 'DT_FLOAT' };
const dims = (shape: number[]) => ({ dim: shape.map((size) => ({ size: String(size) })) });
const constant = (name: string, shape: number[]) => ({
  name,
  op: 'Const',
  attr: { dtype: float, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dims(shape) } } },
});

/** A converted-style GraphModel by hand: y = relu(x · w + b) · v, x `[1, 8]`, with a folded-norm-like outlier in w. */
const MODEL_JSON = {
  format: 'graph-model',
  generatedBy: 'test',
  convertedBy: 'test',
  modelTopology: {
    node: [
      { name: 'x', op: 'Placeholder', attr: { dtype: float, shape: { shape: dims([1, 8]) } } },
      constant('w', [8, 16]),
      constant('b', [16]),
      constant('v', [16, 4]),
      { name: 'h', op: 'MatMul', input: ['x', 'w'], attr: { T: float, transpose_a: { b: false }, transpose_b: { b: false } } },
      { name: 'hb', op: 'BiasAdd', input: ['h', 'b'], attr: { T: float } },
      { name: 'r', op: 'Relu', input: ['hb'], attr: { T: float } },
      { name: 'y', op: 'MatMul', input: ['r', 'v'], attr: { T: float, transpose_a: { b: false }, transpose_b: { b: false } } },
    ],
    library: {},
    versions: { producer: 1286 },
  },
  weightsManifest: [
    {
      paths: ['tiny.bin'],
      weights: [
        { name: 'w', shape: [8, 16], dtype: 'float32' },
        { name: 'b', shape: [16], dtype: 'float32' },
        { name: 'v', shape: [16, 4], dtype: 'float32' },
      ],
    },
  ],
};

let directory: string;
let weights: Float32Array;

beforeAll(async () => {
  await useBackend('cpu');
  directory = await mkdtemp(join(tmpdir(), 'whittle-stock-uint8-'));
  weights = seededRandom(3).normalArray(8 * 16 + 16 + 16 * 4, 0, 0.3);
  weights[5] = 6; // one outlier in w
  await writeFile(join(directory, 'tiny.json'), JSON.stringify(MODEL_JSON));
  await writeFile(join(directory, 'tiny.bin'), new Uint8Array(weights.buffer));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** y = relu(x · w + b) · v in plain float64 loops: the oracle. */
function forward(x: Float32Array, w: ArrayLike<number>, b: ArrayLike<number>, v: ArrayLike<number>): Float64Array {
  const hidden = new Float64Array(16);
  for (let unit = 0; unit < 16; unit++) {
    let sum = b[unit]!;
    for (let input = 0; input < 8; input++) sum += x[input]! * w[input * 16 + unit]!;
    hidden[unit] = Math.max(0, sum);
  }
  const output = new Float64Array(4);
  for (let out = 0; out < 4; out++) for (let unit = 0; unit < 16; unit++) output[out] = output[out]! + hidden[unit]! * v[unit * 4 + out]!;
  return output;
}

test('a converted graph model found on disk runs in stock tfjs as the plain maths says', async () => {
  const [files, ...others] = await readGraphModels(directory, ['tiny', 'absent']);
  expect(files!.name).toBe('tiny');
  expect(others).toEqual([]);
  expect(await readGraphModels(join(directory, 'nowhere'))).toEqual([]);
  const [output] = await runGraphModel(files!.artifacts, 1, 7);
  const expected = forward(imageLike([1, 8], seededRandom(7)), weights.subarray(0, 128), weights.subarray(128, 144), weights.subarray(144));
  expect(output).toHaveLength(4);
  for (let index = 0; index < 4; index++) expect(output![index]).toBeCloseTo(expected[index]!, 4);
});

test.each([
  { range: 'minmax', rounding: 'nearest' },
  { range: 'mse', rounding: 'nearest' },
  { range: 'minmax', rounding: 'balanced' },
  { range: 'mse', rounding: 'balanced' },
] as const)('stock uint8 with the $range range and $rounding rounding is loaded by stock tf.loadGraphModel and computes with the stored codes', async ({ range, rounding }) => {
  const [files] = await readGraphModels(directory, ['tiny']);
  const quantized = await stockUint8(files!.model, { range, rounding, equalize: false });
  const artifacts = stockArtifactsOf(quantized);
  // Every float weight is stored as stock uint8, with the manifest's min and scale.
  for (const spec of artifacts.weightSpecs!) expect(spec.quantization).toMatchObject({ dtype: 'uint8' });
  // The oracle decodes the written codes by hand (code · scale + min) and runs the maths.
  const bytes = new Uint8Array(artifacts.weightData as ArrayBuffer);
  let offset = 0;
  const decoded = artifacts.weightSpecs!.map((spec) => {
    const count = spec.shape.reduce((product, side) => product * side, 1);
    const { min, scale } = spec.quantization as { min: number; scale: number };
    const values = Array.from(bytes.subarray(offset, offset + count), (code) => Math.fround(code * scale + min));
    offset += count;
    return values;
  });
  const stock = (await runGraphModel(artifacts, 1, 7))[0]!;
  const x = imageLike([1, 8], seededRandom(7));
  const expected = forward(x, decoded[0]!, decoded[1]!, decoded[2]!);
  for (let index = 0; index < 4; index++) expect(stock[index]).toBeCloseTo(expected[index]!, 4);
  const encoding = quantized.params.get('w')!.value as AffineEncoding;
  expect(encoding.scales.data[0]).toBe((artifacts.weightSpecs![0]!.quantization as { scale: number }).scale);
});


test('sequential calibration with bias correction: stock tf.loadGraphModel runs the codes and the corrected float bias, and the BiasAdd layer’s mean is the float one’s', async () => {
  const [files] = await readGraphModels(directory, ['tiny']);
  const calibration = await graphCalibrationBatches(files!.artifacts, 8, 2);
  const quantized = await stockUint8(files!.model, { range: 'minmax', equalize: false, rounding: 'calibrated', sequential: true, biasCorrection: true, kernelsOnly: true }, calibration);
  const artifacts = stockArtifactsOf(quantized);
  // Kernels as stock uint8, the bias kept float32 beside them.
  expect(artifacts.weightSpecs!.map((spec) => [spec.name, spec.quantization?.dtype ?? spec.dtype])).toEqual([
    ['w', 'uint8'],
    ['b', 'float32'],
    ['v', 'uint8'],
  ]);
  const bytes = new Uint8Array(artifacts.weightData as ArrayBuffer);
  const w = Array.from(bytes.subarray(0, 128), (code) => Math.fround(code * artifacts.weightSpecs![0]!.quantization!.scale! + artifacts.weightSpecs![0]!.quantization!.min!));
  const b = new Float32Array(bytes.slice(128, 128 + 64).buffer);
  const v = Array.from(bytes.subarray(192, 256), (code) => Math.fround(code * artifacts.weightSpecs![2]!.quantization!.scale! + artifacts.weightSpecs![2]!.quantization!.min!));
  expect(Array.from(b)).not.toEqual(Array.from(weights.subarray(128, 144)));
  const x = imageLike([1, 8], seededRandom(7));
  const stock = (await runGraphModel(artifacts, 1, 7))[0]!;
  const expected = forward(x, w, b, v);
  for (let index = 0; index < 4; index++) expect(stock[index]).toBeCloseTo(expected[index]!, 4);
  // Plain maths over the calibration inputs: mean of x·ŵ + b̂ equals mean of x·w + b per unit.
  const inputs = await Promise.all(calibration.map(async (batch) => Float32Array.from(await (batch.inputs as tf.Tensor).data())));
  for (let unit = 0; unit < 16; unit++) {
    let [floatSum, quantizedSum] = [0, 0];
    for (const row of inputs) {
      floatSum += weights[128 + unit]!;
      quantizedSum += b[unit]!;
      for (let input = 0; input < 8; input++) {
        floatSum += row[input]! * weights[input * 16 + unit]!;
        quantizedSum += row[input]! * w[input * 16 + unit]!;
      }
    }
    expect(Math.abs(quantizedSum - floatSum) / inputs.length).toBeLessThan(1e-5);
  }
  tf.dispose(calibration.map((batch) => batch.inputs));
});
