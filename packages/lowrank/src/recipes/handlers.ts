/**
 * Every recipe handler this package provides, for registering into a registry of your own.
 */
import type { RecipeHandler } from '@whittle/core';
import { lowRankSvdHandler } from '../factorize/factorize-step.ts';

/**
 * The handlers for the `lowrank.*` recipe kinds. `@whittle/lowrank/register` adds them to core's
 * default registry; use this to build your own.
 *
 * @example
 * ```ts
 * const registry = createRecipeRegistry(lowrankHandlers);
 * ```
 */
export const lowrankHandlers: readonly RecipeHandler[] = [lowRankSvdHandler] as readonly RecipeHandler[];
