import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { compress, createRecipeRegistry, decode, getParam, hostTensor, modelFromTensors, useBackend, type HostTensor } from '@whittle/core';
import { wandaHandler } from './wanda-handler.ts';
import { validateWandaStep, wanda, WANDA_KIND } from './wanda-step.ts';
import { loudFeatureInputs, normalMatrix, referenceColumnMask, referenceNorms } from './wanda.test-support.ts';

beforeAll(async () => {
  await useBackend('cpu');
});

const registry = createRecipeRegistry([wandaHandler]);
const config = (settings: Parameters<typeof wanda>[0]) => validateWandaStep(wanda(settings), { step: 1 });

/** The pruned copy of a Dense kernel `[in, out]` by plain per-column Wanda: |w|·‖x_j‖, `count` lowest per column. */
function referenceWanda(kernel: HostTensor<'float32'>, inputs: HostTensor<'float32'>, count: number): Float32Array {
  const [rows, columns] = kernel.shape as [number, number];
  const norms = referenceNorms(inputs);
  const mask = referenceColumnMask(rows, columns, count, (input, output) => Math.fround(Math.abs(kernel.data[input * columns + output]!) * norms[input]!));
  return kernel.data.map((value, index) => (mask[index] === 1 ? value : 0));
}

function transpose(tensor: HostTensor<'float32'>): HostTensor<'float32'> {
  const [rows, columns] = tensor.shape as [number, number];
  const data = new Float32Array(rows * columns);
  for (let row = 0; row < rows; row++) for (let column = 0; column < columns; column++) data[column * rows + row] = tensor.data[row * columns + column]!;
  return hostTensor('float32', [columns, rows], data);
}

describe('prune.wanda steps', () => {
  it('validates sparsity, N:M and storage, naming the field', () => {
    expect(config({ sparsity: 0.5 })).toMatchObject({ kind: WANDA_KIND, sparsity: 0.5, storage: { layout: 'auto' } });
    expect(config({ n: 2, m: 4 })).toMatchObject({ sparsity: 0.5, n: 2, m: 4 });
    expect(config({ n: 2, m: 4, sparsity: 0.5 })).toMatchObject({ n: 2, m: 4 });
    expect(config({ sparsity: 0.9, storage: { layout: 'csr', indexBits: 4, valueBits: 5 } }).storage).toEqual({ layout: 'csr', indexBits: 4, valueBits: 5 });
    expect(JSON.parse(JSON.stringify(wanda({ n: 2, m: 4, exclude: ['head/**'] })))).toEqual({ kind: WANDA_KIND, n: 2, m: 4, exclude: ['head/**'] });
    expect(wandaHandler.validate(wandaHandler.example!, { step: 1 })).toMatchObject({ sparsity: 0.5 });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{}, 'sparsity'],
      [{ sparsity: 1.5 }, 'sparsity'],
      [{ sparsity: '0.5' }, 'sparsity'],
      [{ n: 2 }, 'm'],
      [{ m: 4 }, 'n'],
      [{ n: 4, m: 4 }, 'n'],
      [{ n: 1, m: 17 }, 'm'],
      [{ n: 2, m: 4, sparsity: 0.75 }, 'sparsity'],
      [{ sparsity: 0.5, storage: 'csr' }, 'storage'],
      [{ sparsity: 0.5, storage: { layout: 'nm' } }, 'storage.layout'],
      [{ sparsity: 0.5, storage: { indexBits: 9 } }, 'storage.indexBits'],
      [{ sparsity: 0.5, storage: { valueBits: 0 } }, 'storage.valueBits'],
      [{ sparsity: 0.5, storage: { bits: 4 } }, 'storage.bits'],
      [{ sparsity: 0.5, scope: 'global' }, 'scope'],
    ];
    for (const [fields, field] of cases) {
      expect(() => validateWandaStep({ kind: WANDA_KIND, ...fields }, { step: 3 })).toThrow(expect.objectContaining({ code: 'invalid-recipe', step: 3, field }));
    }
  });
});

describe('prune.wanda from layer inputs by param name', () => {
  const hiddenInputs = loudFeatureInputs(64, 32, 5, 3, 10);
  const headInputs = loudFeatureInputs(64, 8, 6, 1, 10);
  const model = modelFromTensors({
    'hidden/kernel': normalMatrix(32, 8, 1),
    'hidden/bias': hostTensor('float32', [8], normalMatrix(1, 8, 2).data),
    'conv/kernel': hostTensor('float32', [3, 3, 2, 4], normalMatrix(18, 4, 3).data),
    'head.weight': transpose(normalMatrix(8, 4, 4)),
  });
  const calibration = { 'hidden/kernel': hiddenInputs, 'head.weight': headInputs };

  it('prunes each Dense and Linear weight by |w|·‖x‖ within each output unit, and notes what it left alone', async () => {
    const before = tf.memory().numTensors;
    const { model: pruned, steps } = await compress(model, [wanda({ sparsity: 0.5 })], { registry, resources: { calibration } });
    expect(tf.memory().numTensors).toBe(before);
    const hidden = getParam(pruned, 'hidden/kernel').value;
    expect(hidden.kind).toBe('sparse');
    expect(decode(hidden).data).toEqual(referenceWanda(normalMatrix(32, 8, 1), hiddenInputs, 16));
    // Linear [out, in] is the transposed Dense problem.
    const head = decode(getParam(pruned, 'head.weight').value) as HostTensor<'float32'>;
    expect(transpose(head).data).toEqual(referenceWanda(normalMatrix(8, 4, 4), headInputs, 4));
    expect(getParam(pruned, 'hidden/bias').value).toBe(getParam(model, 'hidden/bias').value);
    expect(getParam(pruned, 'conv/kernel').value).toBe(getParam(model, 'conv/kernel').value);
    expect(steps[0]!.notes).toEqual([expect.stringContaining('conv/kernel left alone')]);
    expect(steps[0]!.bytesAfter).toBeLessThan(steps[0]!.bytesBefore);
    expect(getParam(model, 'hidden/kernel').value.kind).toBe('dense');
  });

  it('prunes N:M along the inputs of each output unit and stores the layout asked for', async () => {
    const { model: pruned } = await compress(model, [wanda({ n: 2, m: 4, include: ['hidden/*'], storage: { layout: 'dense' } })], { registry, resources: { calibration } });
    const hidden = getParam(pruned, 'hidden/kernel').value;
    expect(hidden.kind).toBe('dense');
    const data = decode(hidden).data;
    for (let output = 0; output < 8; output++) {
      for (let start = 0; start < 32; start += 4) {
        const kept = [0, 1, 2, 3].filter((offset) => data[(start + offset) * 8 + output] !== 0);
        expect(kept.length).toBe(2);
      }
    }
  });

  it('is a typed error naming the step and the resource when calibration is missing or incomplete', async () => {
    await expect(compress(model, [wanda({ sparsity: 0.5 })], { registry })).rejects.toMatchObject({ code: 'missing-resource', step: 1, field: 'resources.calibration' });
    await expect(wandaHandler.apply(model, config({ sparsity: 0.5 }), { step: 2, resources: {} })).rejects.toMatchObject({
      code: 'missing-resource',
      step: 2,
      field: 'resources.calibration',
      message: expect.stringContaining('Wanda needs the "calibration" resource'),
    });
    await expect(compress(model, [wanda({ sparsity: 0.5 })], { registry, resources: { calibration: 'digits.safetensors' } })).rejects.toMatchObject({
      code: 'invalid-argument',
      field: 'resources.calibration',
    });
    await expect(compress(model, [wanda({ sparsity: 0.5 })], { registry, resources: { calibration: { 'hidden/kernel': hiddenInputs } } })).rejects.toMatchObject({
      step: 1,
      field: 'resources.calibration["head.weight"]',
    });
    await expect(compress(model, [wanda({ sparsity: 0.5 })], { registry, resources: { calibration: { ...calibration, 'head.weight': loudFeatureInputs(8, 32, 9, 1, 2) } } })).rejects.toMatchObject({
      field: 'resources.calibration["head.weight"]',
      message: expect.stringContaining('32 inputs, the layer 8'),
    });
    await expect(compress(model, [wanda({ sparsity: 0.5 })], { registry, resources: { calibration: { ...calibration, 'head.weight': hiddenInputs } } })).rejects.toMatchObject({
      field: 'resources.calibration["head.weight"]',
      message: expect.stringContaining('32 inputs, the layer 8'),
    });
    const broken = modelFromTensors({ 'hidden/kernel': hostTensor('float32', [32, 8], normalMatrix(32, 8, 1).data.map((value, index) => (index === 5 ? Number.NaN : value))) });
    await expect(compress(broken, [wanda({ sparsity: 0.5 })], { registry, resources: { calibration } })).rejects.toMatchObject({
      code: 'invalid-argument',
      step: 1,
      field: 'params["hidden/kernel"]',
      message: expect.stringContaining('weight 5 is NaN'),
    });
    const loud = { 'hidden/kernel': hostTensor('float32', [1, 32], new Float32Array(32).fill(3e38)) };
    await expect(compress(model, [wanda({ sparsity: 0.5, include: ['hidden/*'] })], { registry, resources: { calibration: loud } })).rejects.toMatchObject({
      field: 'resources.calibration["hidden/kernel"]',
      message: expect.stringContaining('NaN or infinite'),
    });
    // A filter that selects nothing is an error; one that selects only what Wanda leaves alone reads no calibration.
    await expect(compress(model, [wanda({ sparsity: 0.5, include: ['nothing'] })], { registry })).rejects.toMatchObject({ step: 1 });
    const alone = await wandaHandler.apply(model, config({ sparsity: 0.5, include: ['conv/*'] }), { step: 1, resources: {} });
    expect(alone.params).toEqual(model.params);
  });

  it('reads a source shared by params once and reports each pruned param', async () => {
    let calls = 0;
    const shared = {
      *[Symbol.iterator]() {
        calls++;
        yield hiddenInputs;
      },
    };
    const twin = modelFromTensors({ 'a/kernel': normalMatrix(32, 4, 1), 'b/kernel': normalMatrix(32, 4, 2) });
    const seen: string[] = [];
    await wandaHandler.apply(twin, config({ sparsity: 0.25 }), {
      step: 1,
      resources: { calibration: new Map([['a/kernel', shared], ['b/kernel', shared]]) },
      onParam: (param, done, total) => seen.push(`${param} ${done}/${total}`),
    });
    expect(calls).toBe(1);
    expect(seen).toEqual(['a/kernel 1/2', 'b/kernel 2/2']);
  });
});

describe('prune.wanda from batches of model inputs', () => {
  // A Keras MLP 32 → 16 (ReLU) → 8: Wanda runs it to get each Dense layer's inputs.
  const kernel1 = normalMatrix(32, 16, 31, 0.3);
  const bias1 = normalMatrix(1, 16, 32, 0.1);
  const kernel2 = normalMatrix(16, 8, 33, 0.3);
  const topology = {
    class_name: 'Sequential',
    config: {
      name: 'mlp',
      layers: [
        { class_name: 'Dense', config: { name: 'hidden', units: 16, activation: 'relu', use_bias: true, batch_input_shape: [null, 32] } },
        { class_name: 'Dense', config: { name: 'head', units: 8, activation: 'linear', use_bias: false } },
      ],
    },
  };
  const mlp = modelFromTensors({ 'hidden/kernel': kernel1, 'hidden/bias': hostTensor('float32', [16], bias1.data), 'head/kernel': kernel2 }, { topology });
  const inputs = loudFeatureInputs(96, 32, 34, 4, 8);

  /** The hidden layer's ReLU outputs, in plain float64 maths: what the head layer sees. */
  function hiddenActivations(): HostTensor<'float32'> {
    const data = new Float32Array(96 * 16);
    for (let row = 0; row < 96; row++) {
      for (let unit = 0; unit < 16; unit++) {
        let sum = bias1.data[unit]!;
        for (let k = 0; k < 32; k++) sum += inputs.data[row * 32 + k]! * kernel1.data[k * 16 + unit]!;
        data[row * 16 + unit] = Math.max(0, sum);
      }
    }
    return { dtype: 'float32', shape: [96, 16], data };
  }

  it("captures every selected layer's inputs by running the model, batch by batch", async () => {
    const batches = () => [0, 32, 64].map((start) => ({ inputs: hostTensor('float32', [32, 32], inputs.data.slice(start * 32, (start + 32) * 32)) }));
    const before = tf.memory().numTensors;
    const { model: pruned } = await compress(mlp, [wanda({ sparsity: 0.5 })], { registry, resources: { calibration: batches } });
    expect(tf.memory().numTensors).toBe(before);
    expect(decode(getParam(pruned, 'hidden/kernel').value).data).toEqual(referenceWanda(kernel1, inputs, 16));
    expect(decode(getParam(pruned, 'head/kernel').value).data).toEqual(referenceWanda(kernel2, hiddenActivations(), 8));
  });

  it('refuses batches for a model that cannot run, and names a bad batch', async () => {
    const checkpoint = modelFromTensors({ 'dense/kernel': normalMatrix(32, 4, 3) });
    await expect(compress(checkpoint, [wanda({ sparsity: 0.5 })], { registry, resources: { calibration: [{ inputs }] } })).rejects.toMatchObject({
      code: 'invalid-argument',
      step: 1,
      field: 'resources.calibration',
      message: expect.stringContaining('no topology'),
    });
    const bad = [{ inputs: hostTensor('float32', [4, 32]) }, { inputs: hostTensor('float32', [4, 30]) }];
    await expect(compress(mlp, [wanda({ sparsity: 0.5 })], { registry, resources: { calibration: bad } })).rejects.toMatchObject({ step: 1, field: 'resources.calibration[1].inputs' });
    await expect(compress(mlp, [wanda({ sparsity: 0.5 })], { registry, resources: { calibration: [] } })).rejects.toMatchObject({ field: 'resources.calibration' });
  });
});

describe('prune.wanda on Conv2D kernels', () => {
  // Conv2D 3×3, stride 2, same padding on 7×7×2 images → Flatten → Dense: the conv kernel is the
  // Dense kernel [18, 4] of its patches.
  const convKernel = hostTensor('float32', [3, 3, 2, 4], normalMatrix(18, 4, 41).data);
  const headKernel = normalMatrix(64, 3, 42, 0.2);
  const topology = {
    class_name: 'Sequential',
    config: {
      name: 'cnn',
      layers: [
        {
          class_name: 'Conv2D',
          config: { name: 'conv', filters: 4, kernel_size: [3, 3], strides: [2, 2], padding: 'same', dilation_rate: [1, 1], data_format: 'channels_last', activation: 'relu', use_bias: false, batch_input_shape: [null, 7, 7, 2] },
        },
        { class_name: 'Flatten', config: { name: 'flatten' } },
        { class_name: 'Dense', config: { name: 'head', units: 3, activation: 'linear', use_bias: false } },
      ],
    },
  };
  const cnn = modelFromTensors({ 'conv/kernel': convKernel, 'head/kernel': headKernel }, { topology });
  const images = normalMatrix(24 * 7 * 7, 2, 43);

  /** ‖X_j‖ of each patch feature: stock tfjs's conv2d of x² with a kernel that copies each one out. */
  async function patchNorms(): Promise<Float64Array> {
    const picker = tf.buffer([3, 3, 2, 18]);
    for (let feature = 0; feature < 18; feature++) picker.set(1, Math.floor(feature / 6), Math.floor(feature / 2) % 3, feature % 2, feature);
    const sums = tf.tidy(() => tf.sum(tf.conv2d(tf.square(tf.tensor4d(images.data, [24, 7, 7, 2])), picker.toTensor() as tf.Tensor4D, 2, 'same'), [0, 1, 2]));
    const values = await sums.data();
    sums.dispose();
    return Float64Array.from(values, Math.sqrt);
  }

  it("prunes a Conv2D kernel by its patches' input norms, with the layer's strides and padding", async () => {
    const batches = () => [0, 12].map((start) => ({ inputs: hostTensor('float32', [12, 7, 7, 2], images.data.slice(start * 98, (start + 12) * 98)) }));
    const { model: pruned, steps } = await compress(cnn, [wanda({ sparsity: 0.5, include: ['conv/*'] })], { registry, resources: { calibration: batches } });
    const norms = await patchNorms();
    const mask = referenceColumnMask(18, 4, 9, (input, output) => Math.fround(Math.abs(convKernel.data[input * 4 + output]!) * Math.fround(norms[input]!)));
    const after = decode(getParam(pruned, 'conv/kernel').value);
    expect(after.shape).toEqual([3, 3, 2, 4]);
    expect(Array.from(after.data, (value) => (value === 0 ? 0 : 1))).toEqual(Array.from(mask));
    expect(steps[0]!.notes).toEqual([]);
    // By param name, the conv layer's own inputs give the same result.
    const { model: mapped } = await compress(cnn, [wanda({ sparsity: 0.5, include: ['conv/*'] })], {
      registry,
      resources: { calibration: { 'conv/kernel': hostTensor('float32', [24, 7, 7, 2], images.data) } },
    });
    expect(decode(getParam(mapped, 'conv/kernel').value).data).toEqual(after.data);
  });

  it('leaves alone a conv kernel whose layer it cannot read, and says why', async () => {
    const channelsFirst = JSON.parse(JSON.stringify(topology));
    channelsFirst.config.layers[0].config.data_format = 'channels_first';
    channelsFirst.config.layers[0].config.batch_input_shape = [null, 2, 7, 7];
    const other = modelFromTensors({ 'conv/kernel': convKernel, 'head/kernel': headKernel }, { topology: channelsFirst });
    const calibration = { 'head/kernel': normalMatrix(8, 64, 44) };
    const { model: pruned, steps } = await compress(other, [wanda({ sparsity: 0.5 })], { registry, resources: { calibration } });
    expect(getParam(pruned, 'conv/kernel').value).toBe(getParam(other, 'conv/kernel').value);
    expect(steps[0]!.notes).toEqual([expect.stringMatching(/conv\/kernel left alone: .*channels_first/)]);
  });
});
