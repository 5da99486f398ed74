import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadMnistDigits, seededRandom, splitDigits } from '@whittle/bench';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEMO_CONFIG } from '../demo/demo-config.ts';
import { runRecorded } from '../test-io.ts';
import { buildLayersModel, loadWithPlainTfjs, saveLayersModel } from '../test-models.ts';
import { EXAMPLE_MLP, EXAMPLE_SAFETENSORS, temporaryDirectory } from '../verbs/verb-runs.test-support.ts';

/** A tensor as a safetensors file holds it: its dtype name, shape and little-endian bytes. */
interface RawTensor {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly bytes: Uint8Array;
}

/**
 * A safetensors file written by hand from the format's description (8-byte little-endian header
 * length, JSON header, data), independent of whittle's reader and writer.
 */
function safetensorsBytes(tensors: Readonly<Record<string, RawTensor>>): Uint8Array {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, { dtype, shape, bytes }] of Object.entries(tensors)) {
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes.length] };
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(new TextEncoder().encode(json), 8);
  let at = 8 + json.length;
  for (const { bytes } of Object.values(tensors)) {
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

const float32 = (shape: readonly number[], values: Float32Array): RawTensor => ({ dtype: 'F32', shape, bytes: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) });
const int64 = (values: readonly number[]): RawTensor => ({ dtype: 'I64', shape: [values.length], bytes: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer) });
const uint8 = (values: readonly number[]): RawTensor => ({ dtype: 'U8', shape: [values.length], bytes: Uint8Array.from(values) });
const int32 = (values: readonly number[]): RawTensor => ({ dtype: 'I32', shape: [values.length], bytes: new Uint8Array(Int32Array.from(values).buffer) });

/** Top-1 accuracy (percent) and mean cross-entropy of outputs, worked out plainly. */
function referenceMetrics(outputs: Float32Array, classes: number, labels: readonly number[], probabilities: boolean): { accuracy: number; loss: number } {
  let correct = 0;
  let loss = 0;
  labels.forEach((label, row) => {
    const values = Array.from(outputs.subarray(row * classes, (row + 1) * classes));
    if (values.indexOf(Math.max(...values)) === label) correct++;
    if (probabilities) loss += -Math.log(Math.max(values[label]!, 1e-7));
    else loss += Math.log(values.reduce((sum, value) => sum + Math.exp(value), 0)) - values[label]!;
  });
  return { accuracy: (100 * correct) / labels.length, loss: loss / labels.length };
}

/** What stock tfjs (tfjs-layers' own loader, cpu backend) predicts for `inputs`. */
async function stockOutputs(directory: string, inputs: Float32Array, shape: readonly number[]): Promise<Float32Array> {
  const model = await loadWithPlainTfjs(directory);
  const input = tf.tensor(inputs, [...shape]);
  const output = model.predict(input) as tf.Tensor;
  const values = (await output.data()) as Float32Array;
  tf.dispose([input, output]);
  model.dispose();
  return values;
}

let directory: { readonly path: string; readonly remove: () => Promise<void> };
/** 600 seeded inputs for the example MLP (two batches), and labels half right, half wrong. */
let inputs: Float32Array;
let labels: number[];
let mlpOutputs: Float32Array;

beforeAll(async () => {
  directory = await temporaryDirectory('whittle-eval-');
  inputs = seededRandom(11).uniformArray(600 * 784);
  mlpOutputs = await stockOutputs(EXAMPLE_MLP, inputs, [600, 784]);
  labels = Array.from({ length: 600 }, (_, row) => {
    const values = Array.from(mlpOutputs.subarray(row * 10, row * 10 + 10));
    const predicted = values.indexOf(Math.max(...values));
    return row % 3 === 0 ? (predicted + 1) % 10 : predicted;
  });
});

afterAll(async () => {
  await directory.remove();
});

async function dataFile(name: string, tensors: Readonly<Record<string, RawTensor>>): Promise<string> {
  const path = join(directory.path, name);
  await writeFile(path, safetensorsBytes(tensors));
  return path;
}

async function evalJson(...argv: string[]): Promise<Record<string, unknown>> {
  const run = await runRecorded('eval', ...argv, '--json', '--backend', 'cpu', '--quiet');
  expect(run.status, run.err).toBe(0);
  return JSON.parse(run.out) as Record<string, unknown>;
}

describe('accuracy and loss agree with stock tfjs predict + argmax', () => {
  test("--data mnist: the demo's 2,000 held-out digits", async () => {
    const { test: digits } = splitDigits(await loadMnistDigits(), { train: DEMO_CONFIG.trainDigits, test: DEMO_CONFIG.testDigits, seed: DEMO_CONFIG.splitSeed });
    const outputs = await stockOutputs(EXAMPLE_MLP, digits.images, [digits.count, 784]);
    const reference = referenceMetrics(outputs, 10, Array.from(digits.labels), false);
    const report = await evalJson(EXAMPLE_MLP, '--data', 'mnist');
    expect(report.examples).toBe(2000);
    expect(report.accuracy).toBe(reference.accuracy);
    expect(report.loss as number).toBeCloseTo(reference.loss, 4);
    expect(report.outputs).toBe('logits');
    expect((report.data as { description: string }).description).toMatch(/2,000 held-out test digits/);
    // A trained classifier, not chance.
    expect(reference.accuracy).toBeGreaterThan(85);
  });

  test('a data file: I64, U8 and I32 class indices and one-hot rows give the same figures', async () => {
    const reference = referenceMetrics(mlpOutputs, 10, labels, false);
    expect(reference.accuracy).toBeCloseTo(200 / 3, 5);
    const oneHot = new Float32Array(600 * 10);
    labels.forEach((label, row) => (oneHot[row * 10 + label] = 1));
    const files = [
      await dataFile('i64.safetensors', { inputs: float32([600, 784], inputs), labels: int64(labels) }),
      await dataFile('u8.safetensors', { labels: uint8(labels), inputs: float32([600, 784], inputs) }),
      await dataFile('i32.safetensors', { inputs: float32([600, 784], inputs), labels: int32(labels) }),
      await dataFile('one-hot.safetensors', { inputs: float32([600, 784], inputs), labels: float32([600, 10], oneHot) }),
    ];
    for (const file of files) {
      const report = await evalJson(EXAMPLE_MLP, '--data', file);
      expect(report.examples, file).toBe(600);
      expect(report.accuracy, file).toBe(reference.accuracy);
      expect(report.loss as number).toBeCloseTo(reference.loss, 4);
    }
  });

  test('a model ending in a softmax: the loss of its probabilities', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [32], units: 5, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) })] });
    const saved = join(directory.path, 'softmax');
    await saveLayersModel(model, saved);
    const x = seededRandom(3).uniformArray(40 * 32, -2, 2);
    const outputs = await stockOutputs(saved, x, [40, 32]);
    const y = Array.from({ length: 40 }, (_, row) => row % 5);
    const reference = referenceMetrics(outputs, 5, y, true);
    const report = await evalJson(saved, '--data', await dataFile('softmax.safetensors', { inputs: float32([40, 32], x), labels: int32(y) }));
    expect(report.outputs).toBe('probabilities');
    expect(report.accuracy).toBe(reference.accuracy);
    expect(report.loss as number).toBeCloseTo(reference.loss, 4);
  });

  test('whittle outputs: a stock uint8 one as stock tfjs reads it, an int4 one as its decompressed twin', async () => {
    const data = await dataFile('outputs.safetensors', { inputs: float32([600, 784], inputs), labels: int32(labels) });
    const uint8Output = join(directory.path, 'mlp-u8');
    expect((await runRecorded('quantize', EXAMPLE_MLP, '--method', 'uint8', '-o', uint8Output, '--quiet')).status).toBe(0);
    const stock = referenceMetrics(await stockOutputs(uint8Output, inputs, [600, 784]), 10, labels, false);
    const uint8Report = await evalJson(uint8Output, '--data', data);
    expect(uint8Report.accuracy).toBe(stock.accuracy);
    expect(uint8Report.loss as number).toBeCloseTo(stock.loss, 4);

    const int4Output = join(directory.path, 'mlp-int4');
    const plain = join(directory.path, 'mlp-int4-plain');
    expect((await runRecorded('quantize', EXAMPLE_MLP, '--preset', 'int4-g32', '-o', int4Output, '--quiet')).status).toBe(0);
    expect((await runRecorded('decompress', int4Output, '-o', plain, '--quiet')).status).toBe(0);
    const decompressed = referenceMetrics(await stockOutputs(plain, inputs, [600, 784]), 10, labels, false);
    const int4Report = await evalJson(int4Output, '--data', data);
    expect(int4Report.accuracy).toBe(decompressed.accuracy);
    expect(int4Report.loss as number).toBeCloseTo(decompressed.loss, 4);
  });

  test('the table names the data, the examples, accuracy and loss', async () => {
    const file = await dataFile('table.safetensors', { inputs: float32([600, 784], inputs), labels: int32(labels) });
    const run = await runRecorded('eval', EXAMPLE_MLP, '--data', file, '--backend', 'cpu', '--quiet');
    expect(run.status, run.err).toBe(0);
    expect(run.out).toMatch(/^examples +600$/m);
    expect(run.out).toMatch(/^accuracy +66\.67 % top-1 \(400 correct\)$/m);
    expect(run.out).toMatch(/^loss +\d+\.\d{4} mean cross-entropy/m);
  });
});

describe('hostile data files: one typed line naming the file and the tensor', () => {
  const few = () => float32([4, 784], new Float32Array(4 * 784));
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['inputs of the wrong shape', () => safetensorsBytes({ inputs: float32([4, 100], new Float32Array(400)), labels: int32([0, 1, 2, 3]) }), /inputs: the model takes inputs \[n, 784\], the data gives \[n, 100\]/],
    ['inputs of the wrong rank', () => safetensorsBytes({ inputs: float32([4, 28, 28], new Float32Array(4 * 784)), labels: int32([0, 1, 2, 3]) }), /the model takes inputs \[n, 784\], the data gives \[n, 28, 28\]/],
    ['inputs without a sample axis', () => safetensorsBytes({ inputs: float32([784], new Float32Array(784)), labels: int32([0]) }), /inputs: inputs must be \[n, \.\.\.example shape\]/],
    ['no examples', () => safetensorsBytes({ inputs: float32([0, 784], new Float32Array(0)), labels: int32([]) }), /inputs: inputs must be \[n, \.\.\.example shape\] with n ≥ 1/],
    ['inputs as int32', () => safetensorsBytes({ inputs: { dtype: 'I32', shape: [4, 784], bytes: new Uint8Array(4 * 784 * 4) }, labels: int32([0, 1, 2, 3]) }), /inputs: inputs must be float32 \(F32\), got I32/],
    ['a label past the last class', () => safetensorsBytes({ inputs: few(), labels: int32([0, 1, 10, 3]) }), /labels: class index 10 is out of range: the model .* has 10 classes \(0–9\)/],
    ['a negative label', () => safetensorsBytes({ inputs: few(), labels: int64([0, -1, 2, 3]) }), /labels: class index -1 in row 1 is out of range/],
    ['a huge int64 label', () => safetensorsBytes({ inputs: few(), labels: { dtype: 'I64', shape: [4], bytes: new Uint8Array(new BigInt64Array([0n, 1n, 2n, 2n ** 62n]).buffer) } }), /labels: class index 4611686018427387904 in row 3 is out of range/],
    ['fewer labels than inputs', () => safetensorsBytes({ inputs: few(), labels: int32([0, 1, 2]) }), /labels: labels must be \[4\] class indices or \[4, classes\] one-hot, got \[3\]/],
    ['float class indices', () => safetensorsBytes({ inputs: few(), labels: float32([4], Float32Array.of(0, 1, 2, 3)) }), /labels: class indices \[n\] must be integers/],
    ['a row that is not one-hot', () => safetensorsBytes({ inputs: few(), labels: float32([4, 10], Float32Array.from({ length: 40 }, (_, index) => (index === 3 || index === 13 || index === 14 || index === 25 || index === 36 ? 1 : 0))) }), /labels: row 1 is not one-hot/],
    ['one-hot rows of another class count', () => safetensorsBytes({ inputs: few(), labels: float32([4, 12], Float32Array.from({ length: 48 }, (_, index) => (index % 13 === 0 ? 1 : 0))) }), /labels: one-hot labels have 12 classes, the model outputs 10/],
    ['a third tensor', () => safetensorsBytes({ inputs: few(), labels: int32([0, 1, 2, 3]), weights: int32([1]) }), /weights: a data file holds only "inputs" and "labels"/],
    ['no labels', () => safetensorsBytes({ inputs: few() }), /labels: a data file needs tensors "inputs" \[n, \.\.\.\] and "labels" \[n\]; "labels" is missing/],
    ['a truncated file', () => safetensorsBytes({ inputs: few(), labels: int32([0, 1, 2, 3]) }).subarray(0, 2000), /\.safetensors: header\["inputs"\]\.data_offsets: end 12544 lies past/],
    ['a header length past the end of the file', () => {
      const bytes = safetensorsBytes({ inputs: few(), labels: int32([0, 1, 2, 3]) });
      new DataView(bytes.buffer).setBigUint64(0, 2n ** 50n, true);
      return bytes;
    }, /\.safetensors: headerSize: not a safetensors file/],
    ['data offsets past the end of the file', () => {
      const header = JSON.stringify({ inputs: { dtype: 'F32', shape: [1000000, 784], data_offsets: [0, 3136000000] }, labels: { dtype: 'I32', shape: [1000000], data_offsets: [3136000000, 3140000000] } });
      const bytes = new Uint8Array(8 + header.length + 64);
      new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
      bytes.set(new TextEncoder().encode(header), 8);
      return bytes;
    }, /\.safetensors: header\["inputs"\]\.data_offsets: end 3136000000 lies past the 64 bytes/],
    ['not a safetensors file', () => new TextEncoder().encode('inputs,labels\n0.1,3\n'), /\.safetensors: headerSize: not a safetensors file/],
  ];
  test.each(cases)('%s', async (name, bytes, message) => {
    const path = join(directory.path, `${name.replace(/\W+/g, '-')}.safetensors`);
    await writeFile(path, bytes());
    const run = await runRecorded('eval', EXAMPLE_MLP, '--data', path, '--backend', 'cpu');
    expect(run.status).toBe(1);
    expect(run.out).toBe('');
    expect(run.err).toMatch(/^whittle: /);
    expect(run.err).toMatch(message);
    expect(run.err.trim().split('\n')).toHaveLength(1);
  });

  test('a safetensors checkpoint as the model: no graph to run', async () => {
    const run = await runRecorded('eval', EXAMPLE_SAFETENSORS, '--data', 'mnist');
    expect(run.status).toBe(1);
    expect(run.err).toMatch(/^whittle: .*mlp\.safetensors: eval runs a TFJS model/);
  });

  test('a model whose input is not 784 values, on --data mnist', async () => {
    const saved = join(directory.path, 'narrow');
    await saveLayersModel(await buildLayersModel(), saved);
    const run = await runRecorded('eval', saved, '--data', 'mnist', '--backend', 'cpu');
    expect(run.status).toBe(1);
    expect(run.err).toMatch(/^whittle: mnist: the model takes inputs \[n, 32\], the data gives \[n, 784\]\n$/);
  });

  test('a model with two outputs', async () => {
    const input = tfl.input({ shape: [32] });
    const model = tfl.model({ inputs: input, outputs: [tfl.layers.dense({ units: 3 }).apply(input) as tfl.SymbolicTensor, tfl.layers.dense({ units: 2 }).apply(input) as tfl.SymbolicTensor] });
    const saved = join(directory.path, 'two-outputs');
    await saveLayersModel(model, saved);
    const data = await dataFile('two-outputs.safetensors', { inputs: float32([2, 32], new Float32Array(64)), labels: int32([0, 1]) });
    const run = await runRecorded('eval', saved, '--data', data, '--backend', 'cpu');
    expect(run.status).toBe(1);
    expect(run.err).toMatch(/^whittle: .*two-outputs: eval scores a classifier with one output; this one has 2\n$/);
  });

  test('--data is required, and a missing file is named', async () => {
    expect((await runRecorded('eval', EXAMPLE_MLP)).err).toMatch(/required option '--data <mnist\|file>' not specified/);
    const missing = await runRecorded('eval', EXAMPLE_MLP, '--data', join(directory.path, 'nope.safetensors'));
    expect(missing.status).toBe(1);
    expect(missing.err).toMatch(/^whittle: .*nope\.safetensors: /);
  });
});

test('--help documents the data file format and ends with examples', async () => {
  const { status, out } = await runRecorded('eval', '--help');
  expect(status).toBe(0);
  expect(out).toMatch(/"inputs" +float32 \[n, \.\.\.\]/);
  expect(out).toMatch(/"labels" +\[n\] class indices/);
  expect(out).toMatch(/\nExamples:\n  whittle eval /);
});
