/**
 * Every recipe handler this package provides, for registering into a registry of your own.
 */
import type { RecipeHandler } from '@whittle/core';
import { distillHandler } from './distill-handler.ts';

/**
 * The handlers for this package's recipe kinds (`distill`). `@whittle/distill/register` adds them
 * to core's default registry; use this to build your own.
 *
 * @example
 * ```ts
 * const registry = createRecipeRegistry(distillHandlers);
 * ```
 */
export const distillHandlers: readonly RecipeHandler[] = [distillHandler] as readonly RecipeHandler[];
