import { PARAM_ROLES, compress, createRecipeRegistry, type Model } from '@whittle/core';
import { quantizeHandlers, uint8, type StockRange } from '@whittle/quantize';

const registry = createRecipeRegistry(quantizeHandlers);

/** A way of choosing stock uint8's per-tensor ranges: the range rule, after cross-layer equalization or not. */
export interface Uint8Variant {
  readonly name: string;
  readonly range: StockRange;
  readonly equalize: boolean;
}

/** The variants the bench compares, tfjs-converter's (min/max, no equalization) first. */
export const MEASURED_VARIANTS: readonly Uint8Variant[] = [
  { name: 'minmax', range: 'minmax', equalize: false },
  { name: 'mse', range: 'mse', equalize: false },
  { name: 'equalize+minmax', range: 'minmax', equalize: true },
  { name: 'equalize+mse', range: 'mse', equalize: true },
];

/**
 * `model` with every float param (weights, biases, folded batch norms: all that
 * `tensorflowjs_converter --quantize_uint8` quantizes) re-encoded as stock uint8 over `range`,
 * after cross-layer equalization when `equalize` is true.
 *
 * @example
 * ```ts
 * const converterLike = await stockUint8(model, 'minmax');
 * const equalized = await stockUint8(model, 'minmax', true);
 * ```
 */
export async function stockUint8(model: Model, range: StockRange, equalize = false): Promise<Model> {
  return (await compress(model, [uint8({ range, equalize, roles: [...PARAM_ROLES] })], { registry })).model;
}
