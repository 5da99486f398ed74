/**
 * The unstructured pruning handlers, for the package's list of handlers.
 */
import type { RecipeHandler } from '@whittle/core';
import { magnitudeHandler } from './magnitude-step.ts';
import { nmHandler } from './nm-step.ts';

/**
 * The handlers for `prune.magnitude` and `prune.nm`.
 *
 * @example
 * ```ts
 * const registry = createRecipeRegistry(unstructuredHandlers);
 * ```
 */
export const unstructuredHandlers: readonly RecipeHandler[] = [magnitudeHandler, nmHandler] as readonly RecipeHandler[];
