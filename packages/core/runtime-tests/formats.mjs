import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { castDense, decode, hostTensor, modelFromTensors, sparseFromDense } from '../dist/index.js';
import { readSafetensorsFile, readTfjsModelFile, writeSafetensorsFile, writeTfjsModelFiles } from '../dist/fs.js';
import { assert, assertClose, test } from './harness.mjs';

const kernel = hostTensor('float32', [6, 4], Float32Array.from({ length: 24 }, (_, index) => (index % 4 === 0 ? 0 : Math.sin(index))));
const bias = hostTensor('float32', [4], new Float32Array([0.5, -0.5, 1, 0]));

function sampleModel() {
  const model = modelFromTensors({ 'dense/kernel': kernel, 'dense/bias': bias });
  const params = new Map(model.params);
  params.set('dense/kernel', { ...params.get('dense/kernel'), value: sparseFromDense(kernel, { kind: 'bitmask' }, (values) => castDense(values, 'float16')) });
  return { ...model, params };
}

async function inTemporaryDirectory(body) {
  const directory = await mkdtemp(join(tmpdir(), 'whittle-formats-'));
  try {
    await body(directory);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

function assertSameValues(actual, expected) {
  for (const [name, param] of expected.params) {
    const read = actual.params.get(name);
    assert(read !== undefined, `param ${name} read back`);
    assert(read.value.kind === param.value.kind, `${name}: encoding ${read.value.kind} vs ${param.value.kind}`);
    assertClose(Array.from(decode(read.value).data), Array.from(decode(param.value).data), 0, name);
  }
}

test('safetensors files round trip whittle encodings', async () => {
  await inTemporaryDirectory(async (directory) => {
    const model = sampleModel();
    const path = join(directory, 'model.safetensors');
    await writeSafetensorsFile(path, model);
    assertSameValues(await readSafetensorsFile(path), model);
  });
});

test('tfjs model directories round trip whittle encodings', async () => {
  await inTemporaryDirectory(async (directory) => {
    const model = sampleModel();
    const output = join(directory, 'model');
    await writeTfjsModelFiles(model, output);
    assertSameValues(await readTfjsModelFile(output), model);
  });
});
