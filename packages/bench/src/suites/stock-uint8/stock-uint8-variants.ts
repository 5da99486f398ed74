import { PARAM_ROLES, compress, createRecipeRegistry, type Model } from '@whittle/core';
import { STOCK_RANGES, quantizeHandlers, uint8, type StockRange } from '@whittle/quantize';

const registry = createRecipeRegistry(quantizeHandlers);

/** The ranges the bench compares, tfjs-converter's first. */
export const MEASURED_RANGES: readonly StockRange[] = STOCK_RANGES;

/**
 * `model` with every float param (weights, biases, folded batch norms: all that
 * `tensorflowjs_converter --quantize_uint8` quantizes) re-encoded as stock uint8 over `range`.
 *
 * @example
 * ```ts
 * const converterLike = await stockUint8(model, 'minmax');
 * ```
 */
export async function stockUint8(model: Model, range: StockRange): Promise<Model> {
  return (await compress(model, [uint8({ range, roles: [...PARAM_ROLES] })], { registry })).model;
}
