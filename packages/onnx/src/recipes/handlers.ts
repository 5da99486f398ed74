/**
 * Every recipe handler this package provides, for registering into a registry of your own.
 */
import type { RecipeHandler } from '@whittle/core';
import { onnxFloat16Handler } from './fp16-step.ts';
import { onnxQ4Handler } from './q4-step.ts';
import { onnxQdqHandler } from './qdq-step.ts';
import { onnxDynamicHandler } from './dynamic-step.ts';

/**
 * The handlers for the `onnx.*` recipe kinds. `@whittle/onnx/register` adds them to core's
 * default registry; use this to build your own.
 *
 * @example
 * ```ts
 * const registry = createRecipeRegistry(onnxHandlers);
 * ```
 */
export const onnxHandlers: readonly RecipeHandler[] = [onnxFloat16Handler, onnxQ4Handler, onnxQdqHandler, onnxDynamicHandler] as readonly RecipeHandler[];
