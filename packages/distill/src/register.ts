/**
 * Side effect: registers the `distill` recipe handler in core's default registry, so `compress`
 * and the CLI know it. Import once: `import '@whittle/distill/register';`.
 * A kind that is already registered (by a second copy of this package in a bundle, say) is left
 * with the handler it has.
 */
import { defaultRegistry, registerRecipeHandler } from '@whittle/core';
import { distillHandlers } from './recipes/handlers.ts';

for (const handler of distillHandlers) {
  if (!defaultRegistry.has(handler.kind)) registerRecipeHandler(handler);
}
