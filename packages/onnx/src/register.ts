/**
 * Side effect: registers every `onnx.*` recipe handler in core's default registry, so `compress`
 * and the CLI know them. Import once: `import '@whittle/onnx/register';`. A kind that is already
 * registered (by a second copy of this package in a bundle, say) keeps the handler it has.
 */
import { defaultRegistry, registerRecipeHandler } from '@whittle/core';
import { onnxHandlers } from './recipes/handlers.ts';

for (const handler of onnxHandlers) {
  if (!defaultRegistry.has(handler.kind)) registerRecipeHandler(handler);
}
