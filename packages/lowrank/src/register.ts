/**
 * Side effect: registers every `lowrank.*` recipe handler in core's default registry, so
 * `compress` and the CLI know them. Import once: `import '@whittle/lowrank/register';`.
 * A kind that is already registered (by a second copy of this package in a bundle, say) is left
 * with the handler it has.
 */
import { defaultRegistry, registerRecipeHandler } from '@whittle/core';
import { lowrankHandlers } from './recipes/handlers.ts';

for (const handler of lowrankHandlers) {
  if (!defaultRegistry.has(handler.kind)) registerRecipeHandler(handler);
}
