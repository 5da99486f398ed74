/**
 * Test support for the search: a small per-param quantization kind written plainly (core ships no
 * technique), random Keras MLPs built from whittle's own data types, and the plain maths their
 * outputs are checked against.
 */
import { affineFromCodes } from '../encoding/affine.ts';
import { byteLength } from '../encoding/byte-length.ts';
import { decode } from '../encoding/decode.ts';
import { modelFromTensors } from '../model/model-from-tensors.ts';
import type { Model, Param } from '../model/types.ts';
import { WEIGHT_ROLES } from '../model/param-roles.ts';
import { FILTER_FIELDS, readFilter, readInteger, rejectUnknownFields } from '../recipe/field-readers.ts';
import { estimateParams, mapParams } from '../recipe/map-params.ts';
import { createRecipeRegistry, type RecipeRegistry } from '../recipe/registry.ts';
import type { ParamFilter, RecipeHandler, RecipeStep } from '../recipe/types.ts';
import { hostTensor, toFloat32 } from '../tensor/host-tensor.ts';
import { denseLayer, seeded } from '../runner/runner.test-support.ts';
import type { SearchSetting } from './search-settings.ts';

interface RoundStep extends RecipeStep, ParamFilter {
  readonly kind: 'test.round';
  readonly bits: number;
}

/** Symmetric per-tensor rounding to `bits`: codes = round(w / scale), scale = max|w| / (2^(bits−1) − 1). */
function roundParam(param: Param, bits: number) {
  const values = toFloat32(decode(param.value)).data;
  const levels = 2 ** (bits - 1) - 1;
  let largest = 0;
  for (const value of values) largest = Math.max(largest, Math.abs(value));
  const scale = largest === 0 ? 1 : largest / levels;
  const codes = Array.from(values, (value) => Math.max(-levels, Math.min(levels, Math.round(value / scale))));
  return affineFromCodes({
    shape: [...param.shape],
    bits,
    signed: true,
    granularity: { kind: 'tensor' },
    codes,
    scales: { dtype: 'float32', shape: [], data: new Float32Array([scale]) },
  });
}

/** A `test.round` step's handler: weights only, one param at a time, sized exactly. */
export const roundHandler: RecipeHandler<RoundStep> = {
  kind: 'test.round',
  description: 'rounds weights to a few bits (tests only)',
  effect: 're-encodes-params',
  defaultRoles: WEIGHT_ROLES,
  perParam: true,
  validate(step, context) {
    rejectUnknownFields(step, ['bits', ...FILTER_FIELDS], context);
    return { kind: 'test.round', bits: readInteger(step, 'bits', { min: 2, max: 8 }, context), ...readFilter(step, context) };
  },
  estimate: (model, config, context) => estimateParams(model, config, WEIGHT_ROLES, context, (param) => byteLength(roundParam(param, config.bits))),
  apply: (model, config, context) => mapParams(model, config, WEIGHT_ROLES, context, (param) => roundParam(param, config.bits)),
};

/** A registry holding only {@link roundHandler}. */
export function roundRegistry(): RecipeRegistry {
  return createRecipeRegistry([roundHandler as unknown as RecipeHandler]);
}

/** The widths tried in tests, widest first. */
export const ROUND_BITS = [8, 6, 4, 3, 2] as const;

/** Settings of `test.round` at {@link ROUND_BITS} for weights; none for other params. */
export function roundSettings(param: Param): SearchSetting[] {
  if (!WEIGHT_ROLES.includes(param.role)) return [];
  return ROUND_BITS.map((bits) => ({ label: `round ${bits}`, steps: [{ kind: 'test.round', bits }] }));
}

/**
 * A Keras Sequential MLP `sizes[0] → … → sizes.at(-1)`, ReLU between layers, seeded weights;
 * linear outputs (logits), or their softmax with `outputActivation: 'softmax'`.
 */
export function randomMlp(sizes: readonly number[], seed: number, outputActivation: 'linear' | 'softmax' = 'linear'): Model {
  const next = seeded(seed);
  const tensors: Record<string, ReturnType<typeof hostTensor>> = {};
  const layers = [];
  for (let index = 1; index < sizes.length; index++) {
    const name = `dense_${index}`;
    const [inputs, units] = [sizes[index - 1]!, sizes[index]!];
    tensors[`${name}/kernel`] = hostTensor('float32', [inputs, units], Float32Array.from({ length: inputs * units }, () => next()));
    tensors[`${name}/bias`] = hostTensor('float32', [units], Float32Array.from({ length: units }, () => next() * 0.1));
    layers.push({
      class_name: 'Dense',
      config: {
        name,
        units,
        activation: index === sizes.length - 1 ? outputActivation : 'relu',
        use_bias: true,
        ...(index === 1 ? { batch_input_shape: [null, inputs] } : {}),
      },
    });
  }
  const topology = { class_name: 'Sequential', config: { name: 'mlp', layers }, keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' };
  return modelFromTensors(tensors, { topology });
}

/** `rows` seeded inputs of width `width`. */
export function randomInputs(rows: number, width: number, seed: number): Float32Array {
  const next = seeded(seed);
  return Float32Array.from({ length: rows * width }, () => next() * 2);
}

/** The outputs of {@link randomMlp} with `model`'s params (decoded), in plain float64 maths. */
export function mlpOutputs(model: Model, sizes: readonly number[], inputs: ArrayLike<number>, rows: number): Float64Array {
  let current: ArrayLike<number> = inputs;
  for (let index = 1; index < sizes.length; index++) {
    const kernel = toFloat32(decode(model.params.get(`dense_${index}/kernel`)!.value)).data;
    const bias = toFloat32(decode(model.params.get(`dense_${index}/bias`)!.value)).data;
    current = denseLayer(current, rows, kernel, sizes[index - 1]!, sizes[index]!, bias, index < sizes.length - 1);
  }
  return current as Float64Array;
}

/** Class labels: the argmax of each row of `outputs`, so the model scores accuracy 1 before any change. */
export function argmaxRows(outputs: ArrayLike<number>, columns: number): Int32Array {
  const rows = outputs.length / columns;
  const labels = new Int32Array(rows);
  for (let row = 0; row < rows; row++) {
    let best = 0;
    for (let column = 1; column < columns; column++) if (outputs[row * columns + column]! > outputs[row * columns + best]!) best = column;
    labels[row] = best;
  }
  return labels;
}
