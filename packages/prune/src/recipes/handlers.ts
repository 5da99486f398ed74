/**
 * Every recipe handler this package provides, for registering into a registry of your own.
 */
import type { RecipeHandler } from '@whittle/core';
import { unstructuredHandlers } from '../unstructured/handlers.ts';
import { structuredHandler } from '../structured/structured-step.ts';
import { wandaHandler } from '../wanda/wanda-handler.ts';
import { gradualHandler } from '../gradual/gradual-handler.ts';

/**
 * The handlers for the `prune.*` recipe kinds. `@whittle/prune/register` adds them to core's
 * default registry; use this to build your own.
 *
 * @example
 * ```ts
 * const registry = createRecipeRegistry(pruneHandlers);
 * ```
 */
export const pruneHandlers: readonly RecipeHandler[] = [...unstructuredHandlers, structuredHandler, wandaHandler, gradualHandler] as readonly RecipeHandler[];
