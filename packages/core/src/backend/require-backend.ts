import * as tf from '@tensorflow/tfjs-core';
import { WhittleError } from '../errors.ts';

/**
 * Throws a `backend-unavailable` WhittleError naming `operation` unless tfjs has a backend to run
 * it on. Without one tfjs fails with a bare "No backend found in registry." that does not say
 * what to do; whittle calls this before its own tfjs calls. A backend the user registered
 * without selecting it is started as tfjs would start it.
 *
 * @example
 * ```ts
 * requireBackend('toTensor'); // throws until `await useBackend()` has run
 * ```
 */
export function requireBackend(operation: string): void {
  try {
    // The getter selects and starts the best registered backend, or throws when there is none
    // or when one is still starting asynchronously.
    void tf.engine().backend;
  } catch (error) {
    throw new WhittleError(
      'backend-unavailable',
      `${operation} runs on tfjs, and no tfjs backend is ready: call \`await useBackend()\` first`,
      { field: 'backend' },
      { cause: error },
    );
  }
}
