import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { castDense, getParam, hostTensor, modelFromTensors, useBackend, type HostTensor, type Model } from '@whittle/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { equalizeModel } from './equalize-model.ts';
import { modelOfLayers, predict, stockLayersModel } from './layers-model-io.test-support.ts';

beforeAll(async () => {
  await useBackend('cpu');
});

/** A layer of a random chain: what it is and its channel-scale spread (log10). */
type LayerSpec =
  | { readonly kind: 'dense'; readonly units: number; readonly activation: 'relu' | 'linear'; readonly spread: number }
  | { readonly kind: 'conv'; readonly filters: number; readonly kernel: number; readonly activation: 'relu' | 'linear'; readonly spread: number }
  | { readonly kind: 'depthwise'; readonly activation: 'relu' | 'linear'; readonly spread: number }
  | { readonly kind: 'pool' | 'leaky' | 'prelu' | 'relu6' | 'sigmoid' };

const activation = fc.constantFrom('relu' as const, 'linear' as const);
const spread = fc.double({ min: 0, max: 3, noNaN: true });
const convLayer = fc.oneof(
  fc.record({ kind: fc.constant('conv' as const), filters: fc.integer({ min: 1, max: 5 }), kernel: fc.integer({ min: 1, max: 3 }), activation, spread }),
  fc.record({ kind: fc.constant('depthwise' as const), activation, spread }),
  fc.record({ kind: fc.constantFrom('pool' as const, 'leaky' as const, 'prelu' as const, 'relu6' as const, 'sigmoid' as const) }),
);
const denseLayer = fc.record({ kind: fc.constant('dense' as const), units: fc.integer({ min: 1, max: 6 }), activation, spread });

/** A conv chain (then flatten) and a dense chain: every mix of layers the equalizer meets. */
const chainArbitrary = fc.record({
  convs: fc.array(convLayer, { maxLength: 5 }),
  denses: fc.array(denseLayer, { minLength: 1, maxLength: 4 }),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
});

function buildChain(convs: readonly LayerSpec[], denses: readonly LayerSpec[], seed: number): tfl.LayersModel {
  const model = tfl.sequential();
  const shape = convs.length === 0 ? { inputShape: [4] } : { inputShape: [6, 6, 2] };
  let first = true;
  const take = (): object => (first ? ((first = false), shape) : {});
  for (const spec of [...convs, ...(convs.length === 0 ? [] : [{ kind: 'flatten' as const }]), ...denses]) {
    if (spec.kind === 'dense') model.add(tfl.layers.dense({ units: spec.units, activation: spec.activation, ...take() }));
    else if (spec.kind === 'conv') model.add(tfl.layers.conv2d({ filters: spec.filters, kernelSize: spec.kernel, padding: 'same', activation: spec.activation, ...take() }));
    else if (spec.kind === 'depthwise') model.add(tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: spec.activation, ...take() }));
    else if (spec.kind === 'pool') model.add(tfl.layers.maxPooling2d({ poolSize: 2, padding: 'same', ...take() }));
    else if (spec.kind === 'leaky') model.add(tfl.layers.leakyReLU({ alpha: 0.2, ...take() }));
    else if (spec.kind === 'prelu') model.add(tfl.layers.prelu({ alphaInitializer: 'glorotNormal', ...take() }));
    else if (spec.kind === 'relu6') model.add(tfl.layers.reLU({ maxValue: 6, ...take() }));
    else if (spec.kind === 'sigmoid') model.add(tfl.layers.activation({ activation: 'sigmoid', ...take() }));
    else model.add(tfl.layers.flatten({ ...take() }));
  }
  // Channels of very different scale in each kernel, as a folded batch norm leaves them.
  let state = seed;
  const random = (): number => ((state = (state * 1103515245 + 12345) % 2147483648), state / 2147483648);
  const spreads = [...convs, ...denses].flatMap((spec) => ('spread' in spec ? [spec.spread] : []));
  let kernelIndex = 0;
  for (const layer of model.layers) {
    const weights = layer.getWeights();
    if (weights.length === 0) continue;
    const spreadOf = spreads[kernelIndex] ?? 0;
    if (layer.getClassName() !== 'PReLU') kernelIndex++;
    layer.setWeights(
      weights.map((weight) => {
        // Output channels are the last axis (a depthwise kernel's channel is its third, with a multiplier of 1).
        const channels = layer.getClassName() === 'DepthwiseConv2D' && weight.rank === 4 ? weight.shape[2]! : weight.shape.at(-1)!;
        const values = Float32Array.from(weight.dataSync(), (_, index) => {
          const scale = 10 ** (spreadOf * ((((index % channels) * 7919) % 13) / 12 - 0.5));
          return (random() * 2 - 1) * scale;
        });
        return tf.tensor(values, weight.shape);
      }),
    );
  }
  return model;
}

function closeTo(actual: Float32Array, expected: Float32Array, relative: number): void {
  const scale = expected.reduce((largest, value) => Math.max(largest, Math.abs(value)), 0);
  expect(actual.length).toBe(expected.length);
  for (let index = 0; index < expected.length; index++) expect(Math.abs(actual[index]! - expected[index]!)).toBeLessThanOrEqual(relative * scale + 1e-6);
}

/** Per-index absolute maxima of a row-major 2-D matrix along columns (`columns`) or rows, plainly. */
function columnMaxima(values: Float32Array, rows: number, columns: number, byColumn: boolean): number[] {
  const maxima = new Array<number>(byColumn ? columns : rows).fill(0);
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) {
      const at = byColumn ? column : row;
      maxima[at] = Math.max(maxima[at]!, Math.abs(values[row * columns + column]!));
    }
  }
  return maxima;
}

const floatsOf = (model: Model, name: string): Float32Array => {
  const value = getParam(model, name).value;
  if (value.kind !== 'dense') throw new Error(`${name} is not dense`);
  return value.tensor.data as Float32Array;
};

describe('equalizeModel', () => {
  it('leaves the float model’s outputs unchanged, as stock tfjs runs it (random conv and dense chains)', async () => {
    await fc.assert(
      fc.asyncProperty(chainArbitrary, async ({ convs, denses, seed }) => {
        const layers = buildChain(convs, denses, seed);
        const model = await modelOfLayers(layers);
        const { model: equalized, pairs } = equalizeModel(model);
        // Dense chains have only ReLU or linear between kernels: every hidden layer's group qualifies.
        if (convs.length === 0) expect(pairs).toBe(denses.length - 1);
        const stock = await stockLayersModel(equalized);
        const input = tf.randomNormal([3, ...(layers.inputs[0]!.shape.slice(1) as number[])], 0, 1, 'float32', seed);
        closeTo(predict(stock, input), predict(layers, input), 1e-4);
        tf.dispose(input);
        layers.dispose();
        stock.dispose();
      }),
      { numRuns: 40 },
    );
  });

  it('equalizes per-channel ranges of a dense pair: the kernel’s column maxima equal the next kernel’s row maxima', async () => {
    const layers = buildChain([], [{ kind: 'dense', units: 6, activation: 'relu', spread: 3 }, { kind: 'dense', units: 3, activation: 'linear', spread: 1 }], 7);
    const model = await modelOfLayers(layers);
    const [first, second] = layers.layers.map((layer) => layer.name);
    const { model: equalized, pairs } = equalizeModel(model);
    expect(pairs).toBe(1);
    const made = columnMaxima(floatsOf(equalized, `${first}/kernel`), 4, 6, true);
    const read = columnMaxima(floatsOf(equalized, `${second}/kernel`), 6, 3, false);
    for (let channel = 0; channel < 6; channel++) expect(made[channel]! / read[channel]!).toBeCloseTo(1, 5);
    // Before, they were far apart.
    const before = columnMaxima(floatsOf(model, `${first}/kernel`), 4, 6, true).map((range, channel) => range / columnMaxima(floatsOf(model, `${second}/kernel`), 6, 3, false)[channel]!);
    expect(Math.max(...before) / Math.min(...before)).toBeGreaterThan(10);
    layers.dispose();
  });

  it('brings conv → depthwise → conv to one range per channel across all three kernels', async () => {
    const convs: LayerSpec[] = [
      { kind: 'conv', filters: 4, kernel: 1, activation: 'relu', spread: 3 },
      { kind: 'depthwise', activation: 'relu', spread: 2 },
      { kind: 'conv', filters: 3, kernel: 1, activation: 'linear', spread: 1 },
    ];
    const layers = buildChain(convs, [{ kind: 'dense', units: 2, activation: 'linear', spread: 0 }], 11);
    const model = await modelOfLayers(layers);
    const [conv, depthwise, last] = layers.layers.map((layer) => layer.name);
    const { model: equalized } = equalizeModel(model);
    // 1×1 kernels: [1, 1, in, out] is an in × out matrix; a depthwise kernel [3, 3, 4, 1] has channel fastest.
    const made = columnMaxima(floatsOf(equalized, `${conv}/kernel`), 2, 4, true);
    const middle = columnMaxima(floatsOf(equalized, `${depthwise}/depthwise_kernel`), 9, 4, true);
    const read = columnMaxima(floatsOf(equalized, `${last}/kernel`), 4, 3, false);
    for (let channel = 0; channel < 4; channel++) {
      expect(made[channel]! / middle[channel]!).toBeCloseTo(1, 4);
      expect(middle[channel]! / read[channel]!).toBeCloseTo(1, 4);
    }
    layers.dispose();
  });

  it('leaves pairs through ReLU6, sigmoid or a capped activation untouched', async () => {
    for (const between of ['relu6', 'sigmoid'] as const) {
      const layers = buildChain([{ kind: 'conv', filters: 3, kernel: 1, activation: 'linear', spread: 3 }, { kind: between }, { kind: 'conv', filters: 2, kernel: 1, activation: 'linear', spread: 0 }], [{ kind: 'dense', units: 2, activation: 'linear', spread: 0 }], 5);
      const model = await modelOfLayers(layers);
      const [conv] = layers.layers.map((layer) => layer.name);
      const { model: equalized } = equalizeModel(model);
      expect(floatsOf(equalized, `${conv}/kernel`)).toStrictEqual(floatsOf(model, `${conv}/kernel`));
      layers.dispose();
    }
    const relu6 = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [2], activation: 'relu6' }), tfl.layers.dense({ units: 1 })] });
    const model = await modelOfLayers(relu6);
    expect(equalizeModel(model).pairs).toBe(0);
  });

  it('keeps a float16 param float16, its values rescaled to float16 rounding', async () => {
    const layers = buildChain([], [{ kind: 'dense', units: 5, activation: 'relu', spread: 2 }, { kind: 'dense', units: 2, activation: 'linear', spread: 0 }], 3);
    const model = await modelOfLayers(layers);
    const half: Model = { ...model, params: new Map([...model.params].map(([name, param]) => [name, { ...param, value: castDense((param.value as { tensor: HostTensor }).tensor, 'float16') }])) };
    const { model: equalized, pairs } = equalizeModel(half);
    expect(pairs).toBe(1);
    for (const param of equalized.params.values()) expect(param.value).toMatchObject({ kind: 'dense', tensor: { dtype: 'float16' } });
    const stock = await stockLayersModel(equalized);
    const input = tf.randomNormal([3, 4], 0, 1, 'float32', 3);
    closeTo(predict(stock, input), predict(layers, input), 1e-2);
    tf.dispose(input);
    layers.dispose();
  });

  it('gives a typed error for a model without a graph and for a bad sweep count', async () => {
    const checkpoint = modelFromTensors({ w: hostTensor('float32', [2, 2], new Float32Array(4)) });
    expect(() => equalizeModel(checkpoint)).toThrow(expect.objectContaining({ code: 'invalid-model' }));
    const model = await modelOfLayers(tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [2] }), tfl.layers.dense({ units: 1 })] }));
    for (const sweeps of [0, -1, 1.5, Number.NaN, 1e9]) {
      expect(() => equalizeModel(model, { sweeps })).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'sweeps' }));
    }
  });
});
