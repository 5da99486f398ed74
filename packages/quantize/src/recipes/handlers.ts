/**
 * Every recipe handler this package provides, for registering into a registry of your own.
 */
import type { RecipeHandler } from '@whittle/core';
import { gptqHandler } from '../gptq/index.ts';
import { affineHandler } from './affine-step.ts';
import { bfloat16Handler, float16Handler } from './half-float.ts';
import { kmeansHandler } from './kmeans-step.ts';
import { uint16Handler, uint8Handler } from './tfjs-stock-steps.ts';

/**
 * The handlers for `quantize.float16`, `quantize.bfloat16`, `quantize.uint8`, `quantize.uint16`,
 * `quantize.affine`, `quantize.kmeans` and `quantize.gptq`. `@whittle/quantize/register` adds
 * them to core's default registry; use this to build your own. The `quantize.gptq` handler here
 * needs calibration data to apply: pass it as `compress`'s `calibration` resource.
 *
 * @example
 * ```ts
 * const registry = createRecipeRegistry(quantizeHandlers);
 * await compress(model, [int8()], { registry });
 * ```
 */
export const quantizeHandlers: readonly RecipeHandler[] = [
  float16Handler,
  bfloat16Handler,
  uint8Handler,
  uint16Handler,
  affineHandler,
  kmeansHandler,
  gptqHandler,
] as readonly RecipeHandler[];
