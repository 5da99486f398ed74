import * as tf from '@tensorflow/tfjs-core';
import { WhittleError } from '../errors.ts';
import { registerConvolutionGradients } from './convolution-gradients.ts';
import { importAtRuntime } from './import-at-runtime.ts';

/** The entry that registers tfjs's gradients (its side effect is the whole point). */
export const GRADIENTS_ENTRY = '@whittle/core/register-gradients';

/**
 * Whether tfjs's gradient functions are registered (by {@link loadGradients}, by importing
 * `@whittle/core/register-gradients`, or by the `@tensorflow/tfjs` union package): the registry
 * is tfjs's global one, so whoever registered them, they serve every copy of whittle.
 *
 * @example
 * ```ts
 * if (!gradientsRegistered()) await loadGradients();
 * ```
 */
export function gradientsRegistered(): boolean {
  // Sum's gradient is among the ones every registration of tfjs's gradients adds.
  return tf.getGradient('Sum') !== undefined;
}

/**
 * Registers tfjs's gradient functions, which training needs (`tf.grad`, optimizers,
 * `LayersModel.fit`) and inference does not: tfjs-core's main entry registers none. They are
 * loaded only when asked for, so an inference bundle does not carry them (about 120 KB
 * minified). Node, Deno and Bun load them here; a bundled app imports
 * `@whittle/core/register-gradients` once instead, and this then finds them registered. Throws a
 * `backend-unavailable` WhittleError saying so when they cannot be loaded. Conv2D's filter
 * gradient is made to work on backends without its kernel (tfjs's wasm backend).
 *
 * @example
 * ```ts
 * await useBackend('wasm');
 * await loadGradients();
 * const gradient = tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)));
 * ```
 */
export async function loadGradients(importModule: (specifier: string) => Promise<unknown> = importAtRuntime): Promise<void> {
  if (gradientsRegistered()) {
    registerConvolutionGradients();
    return;
  }
  try {
    await importModule(GRADIENTS_ENTRY);
  } catch (error) {
    throw new WhittleError(
      'backend-unavailable',
      `cannot load tfjs's gradients (${error instanceof Error ? error.message : String(error)}); in a bundled app, import '${GRADIENTS_ENTRY}' once`,
      { field: 'gradients' },
      { cause: error },
    );
  }
  if (!gradientsRegistered()) {
    throw new WhittleError('backend-unavailable', `${GRADIENTS_ENTRY} registered no gradients`, { field: 'gradients' });
  }
  registerConvolutionGradients();
}

/**
 * Throws a `backend-unavailable` WhittleError naming `operation` unless tfjs's gradients are
 * registered: training without them fails deep inside tfjs ("gradient function not found").
 *
 * @example
 * ```ts
 * requireGradients('applyFakeQuant'); // after useBackend('wasm', { gradients: true })
 * ```
 */
export function requireGradients(operation: string): void {
  if (gradientsRegistered()) return;
  throw new WhittleError(
    'backend-unavailable',
    `${operation} trains through tfjs's gradients, which are not registered: call \`await useBackend(name, { gradients: true })\` first (in a bundled app, import '${GRADIENTS_ENTRY}')`,
    { field: 'gradients' },
  );
}
