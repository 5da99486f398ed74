/**
 * The runner's entry, loaded only when a model trains: it brings tfjs-layers and tfjs-converter
 * (optional peers), which the rest of this package never needs.
 */
import { WhittleError } from '@whittle/core';
import type * as Runner from '@whittle/core/runner';

/** A variable, not a literal, so a bundle of this package builds without the optional peers. */
const RUNNER = '@whittle/core/runner';

/**
 * `@whittle/core/runner`, or an `invalid-argument` WhittleError naming `field` when its peers
 * are not installed.
 *
 * @example
 * ```ts
 * const { loadTrainable } = await loadRunner('model');
 * ```
 */
export async function loadRunner(field: string): Promise<typeof Runner> {
  try {
    return (await import(/* @vite-ignore */ RUNNER)) as typeof Runner;
  } catch (error) {
    throw new WhittleError(
      'invalid-argument',
      'training runs through @whittle/core/runner, which needs @tensorflow/tfjs-layers and @tensorflow/tfjs-converter installed',
      { field },
      { cause: error },
    );
  }
}
