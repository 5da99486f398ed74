import { PARAM_ROLES, WEIGHT_ROLES, compress, createRecipeRegistry, type Model } from '@whittle/core';
import { quantizeHandlers, uint8, type StockRange, type StockRounding } from '@whittle/quantize';

const registry = createRecipeRegistry(quantizeHandlers);

/**
 * A way of choosing stock uint8's per-tensor ranges and codes: the range rule, after cross-layer
 * equalization or not, the rounding, and whether biases and norms stay float32 (`kernelsOnly`,
 * the step's default roles) or are quantized too, as tfjs-converter does.
 */
export interface Uint8Variant {
  readonly name: string;
  readonly range: StockRange;
  readonly equalize: boolean;
  readonly rounding?: StockRounding;
  readonly kernelsOnly?: boolean;
  /** Calibrated rounding on the partly quantized model's activations (`sequential: true`). */
  readonly sequential?: boolean;
  /** Calibrated kernels' mean output shifts folded into their float biases (`biasCorrection: true`). */
  readonly biasCorrection?: boolean;
}

/** Calibration inputs for `rounding: 'calibrated'`: batches of model inputs, as `compress` takes them. */
export type CalibrationBatches = readonly { readonly inputs: unknown }[];

/**
 * The variants the bench compares, tfjs-converter's (min/max, no equalization) first; the
 * `calibrated` ones take calibration batches (see {@link stockUint8}).
 */
export const MEASURED_VARIANTS: readonly Uint8Variant[] = [
  { name: 'minmax', range: 'minmax', equalize: false },
  { name: 'mse', range: 'mse', equalize: false },
  { name: 'equalize+minmax', range: 'minmax', equalize: true },
  { name: 'equalize+mse', range: 'mse', equalize: true },
  { name: 'kernels', range: 'minmax', equalize: false, kernelsOnly: true },
  { name: 'kernels+balanced', range: 'minmax', equalize: false, rounding: 'balanced', kernelsOnly: true },
  { name: 'kernels+mse+balanced', range: 'mse', equalize: false, rounding: 'balanced', kernelsOnly: true },
  { name: 'kernels+equalize+balanced', range: 'minmax', equalize: true, rounding: 'balanced', kernelsOnly: true },
  { name: 'calibrated', range: 'minmax', equalize: false, rounding: 'calibrated', sequential: false, biasCorrection: false },
  { name: 'kernels+calibrated', range: 'minmax', equalize: false, rounding: 'calibrated', sequential: false, biasCorrection: false, kernelsOnly: true },
  { name: 'equalize+calibrated', range: 'minmax', equalize: true, rounding: 'calibrated', sequential: false, biasCorrection: false },
  { name: 'calibrated+bias', range: 'minmax', equalize: false, rounding: 'calibrated', sequential: false, biasCorrection: true },
  { name: 'sequential', range: 'minmax', equalize: false, rounding: 'calibrated', sequential: true, biasCorrection: false },
  { name: 'sequential+bias', range: 'minmax', equalize: false, rounding: 'calibrated', sequential: true, biasCorrection: true },
  { name: 'kernels+sequential+bias', range: 'minmax', equalize: false, rounding: 'calibrated', sequential: true, biasCorrection: true, kernelsOnly: true },
];

/**
 * `model` with every float param (weights, biases, folded batch norms: all that
 * `tensorflowjs_converter --quantize_uint8` quantizes), or its kernels only where
 * `variant.kernelsOnly` (biases and norms stay float32, which stock tfjs reads too), re-encoded as
 * stock uint8 over `variant.range` with `variant.rounding`, after cross-layer equalization when
 * `variant.equalize` is true. `calibration` (model input batches) is what `rounding:
 * 'calibrated'` chooses the kernels' codes on; other roundings ignore it.
 *
 * @example
 * ```ts
 * const converterLike = await stockUint8(model, MEASURED_VARIANTS[0]!);
 * ```
 */
export async function stockUint8(model: Model, variant: Omit<Uint8Variant, 'name'>, calibration?: CalibrationBatches): Promise<Model> {
  const { range, equalize, rounding, kernelsOnly = false, sequential, biasCorrection } = variant;
  const step = uint8({
    range,
    equalize,
    ...(rounding === undefined ? {} : { rounding }),
    ...(sequential === undefined ? {} : { sequential }),
    ...(biasCorrection === undefined ? {} : { biasCorrection }),
    roles: [...(kernelsOnly ? WEIGHT_ROLES : PARAM_ROLES)],
  });
  const resources = rounding === 'calibrated' && calibration !== undefined ? { calibration: calibration as never } : {};
  return (await compress(model, [step], { registry, resources })).model;
}
