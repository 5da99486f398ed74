/**
 * `estimate` of `quantize.gptq` steps against the model `compress` actually produces with each
 * layer's calibration inputs given by param name: params and bytes must agree exactly, whatever
 * the weights, since GPTQ's encoding is sized by the step and the shapes alone.
 */
import {
  castDense,
  compress,
  countParams,
  createModel,
  createRecipeRegistry,
  denseEncoding,
  estimate,
  hostTensor,
  modelByteLength,
  modelFromTensors,
  useBackend,
  type Encoding,
  type HostTensor,
  type Model,
  type Param,
} from '@whittle/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { gptqHandler, type LayerCalibration } from './gptq-handler.ts';
import { gptq, type GptqStep } from './gptq-step.ts';
import { normalMatrix } from './test-layers.ts';

beforeAll(async () => {
  await useBackend('cpu');
});

const registry = createRecipeRegistry([gptqHandler]);

const stepArbitrary: fc.Arbitrary<GptqStep> = fc
  .record(
    {
      bits: fc.integer({ min: 2, max: 8 }),
      // -1 is per channel; 1–16 both divides and does not divide the 1–12 inputs of the layers.
      groupSize: fc.oneof(fc.constant(-1), fc.integer({ min: 1, max: 16 })),
      symmetric: fc.boolean(),
      scaleDType: fc.constantFrom('float32' as const, 'float16' as const),
      actOrder: fc.boolean(),
      blockSize: fc.integer({ min: 1, max: 8 }),
      exclude: fc.constant(['dense_0/*']),
    },
    { requiredKeys: ['bits'] },
  )
  .map((settings) => gptq(settings));

const DTYPES = ['float32', 'float16', 'bfloat16', 'float64'] as const;

interface LayerPlan {
  readonly linear: boolean;
  readonly inputs: number;
  readonly outputs: number;
  readonly dtype: (typeof DTYPES)[number];
  readonly bias: boolean;
  /** Weights all ≥ 0: asymmetric zero points are then all 0, which must not change the size. */
  readonly nonNegative: boolean;
  readonly seed: number;
}

const layerArbitrary: fc.Arbitrary<LayerPlan> = fc.record({
  linear: fc.boolean(),
  inputs: fc.integer({ min: 1, max: 12 }),
  outputs: fc.integer({ min: 1, max: 6 }),
  dtype: fc.constantFrom(...DTYPES),
  bias: fc.boolean(),
  nonNegative: fc.boolean(),
  seed: fc.nat(),
});

function stored(tensor: HostTensor<'float32'>, dtype: LayerPlan['dtype']): Encoding {
  if (dtype === 'float32') return denseEncoding(tensor);
  if (dtype === 'float64') return denseEncoding({ dtype: 'float64', shape: tensor.shape, data: Float64Array.from(tensor.data) });
  return castDense(tensor, dtype);
}

/**
 * A model of Dense (`dense_i/kernel`, `[in, out]`) and Linear (`linear_i.weight`, `[out, in]`)
 * layers with biases, plus params GPTQ leaves alone and gets no calibration for: an integer
 * kernel, an empty kernel and a rank-3 one. Calibration holds each layer's inputs by param name.
 */
function denseLikeModel(layers: readonly LayerPlan[], asMap: boolean): { model: Model; calibration: unknown } {
  const params: Param[] = [];
  const calibration = new Map<string, LayerCalibration>();
  for (const [index, layer] of layers.entries()) {
    const { linear, inputs, outputs, seed } = layer;
    const name = linear ? `linear_${index}.weight` : `dense_${index}/kernel`;
    const weights = linear ? normalMatrix(outputs, inputs, seed) : normalMatrix(inputs, outputs, seed);
    if (layer.nonNegative) weights.data.forEach((value, at) => (weights.data[at] = Math.abs(value)));
    params.push({ name, role: linear ? 'linear-weight' : 'dense-kernel', shape: weights.shape, value: stored(weights, layer.dtype) });
    if (layer.bias) {
      const bias = hostTensor('float32', [outputs], normalMatrix(1, outputs, seed + 1).data);
      params.push({ name: linear ? `linear_${index}.bias` : `dense_${index}/bias`, role: 'bias', shape: [outputs], value: denseEncoding(bias) });
    }
    calibration.set(name, normalMatrix(1 + (seed % 5), inputs, seed + 2));
  }
  params.push(
    { name: 'ids/kernel', role: 'dense-kernel', shape: [3, 2], value: denseEncoding(hostTensor('int32', [3, 2], Int32Array.of(1, 2, 3, 4, 5, 6))) },
    { name: 'empty/kernel', role: 'dense-kernel', shape: [0, 4], value: denseEncoding(hostTensor('float32', [0, 4])) },
    { name: 'cube/kernel', role: 'dense-kernel', shape: [2, 2, 2], value: denseEncoding(hostTensor('float32', [2, 2, 2], new Float32Array(8).fill(0.5))) },
  );
  const model = createModel({ format: 'checkpoint', params });
  return { model, calibration: asMap ? calibration : Object.fromEntries(calibration) };
}

describe('estimate of quantize.gptq', () => {
  it('sizes a Dense kernel by hand: packed codes, float16 group scales and uint8 zero points', () => {
    // All-positive weights: every zero point is 0, and they are still stored.
    const kernel = hostTensor('float32', [10, 3], Float32Array.from({ length: 30 }, (_, index) => 0.1 + index / 30));
    const model = modelFromTensors({ 'dense/kernel': kernel, 'dense/bias': hostTensor('float32', [3]) });
    const step = gptq({ bits: 4, groupSize: 4, symmetric: false });
    // 30 codes × 4 bits = 15 bytes; ceil(10 / 4) = 3 groups × 3 outputs = 9 × (2 + 1) bytes; bias 12.
    expect(estimate(model, step, { registry })).toEqual({ params: 33, bytes: 15 + 27 + 12 });
  });

  it('sizes per-channel float32 scales along the output axis of a Linear weight', () => {
    const model = modelFromTensors({ 'fc.weight': hostTensor('float32', [5, 7]) });
    // 35 codes × 3 bits = 105 bits → 14 bytes; 5 float32 scales.
    expect(estimate(model, gptq({ bits: 3, groupSize: -1 }), { registry })).toEqual({ params: 35, bytes: 14 + 20 });
  });

  it('equals the params and bytes of what compress produces for Dense-like models', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(layerArbitrary, { minLength: 1, maxLength: 3 }), fc.boolean(), stepArbitrary, async (layers, asMap, step) => {
        const { model, calibration } = denseLikeModel(layers, asMap);
        const { model: result } = await compress(model, [step], { registry, requireSelection: false, resources: { calibration } });
        expect(estimate(model, step, { registry })).toEqual({ params: countParams(result), bytes: modelByteLength(result) });
      }),
      { numRuns: 150 },
    );
  });
});
