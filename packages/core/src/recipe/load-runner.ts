/**
 * The runner's entry, loaded only when a step runs or trains a model.
 */
import { WhittleError, type ErrorLocation } from '../errors.ts';
import type * as Runner from '../runner/index.ts';

/** What `@whittle/core/runner` exports. */
export type RunnerEntry = typeof Runner;

/**
 * `@whittle/core/runner`, loaded on first use: it brings tfjs-layers and tfjs-converter (optional
 * peers), which nothing else in a step needs. The specifier is a variable, not a literal, so a
 * bundle of a technique builds without them. Missing peers are an `invalid-argument` WhittleError
 * at `location`, saying that `purpose` (what runs through the runner) needs them.
 *
 * @example
 * ```ts
 * const { loadTrainable } = await loadRunner('training', { field: 'model', step: 2 });
 * ```
 */
export async function loadRunner(purpose: string, location: ErrorLocation): Promise<RunnerEntry> {
  const specifier = '@whittle/core/runner';
  try {
    return (await import(/* @vite-ignore */ specifier)) as RunnerEntry;
  } catch (error) {
    throw new WhittleError(
      'invalid-argument',
      `${purpose} runs through @whittle/core/runner, which needs @tensorflow/tfjs-layers and @tensorflow/tfjs-converter installed`,
      location,
      { cause: error }
    );
  }
}
