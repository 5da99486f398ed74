import { WhittleError } from '../errors.ts';
import type { Model, Param } from '../model/types.ts';
import type { ModelGraph } from './types.ts';

/** A rewrite in progress: the model it started from, the graph and the params so far. */
export interface RewriteState {
  readonly base: Model;
  readonly graph: ModelGraph;
  readonly params: readonly Param[];
}

/**
 * Throws the `invalid-argument` WhittleError every rewrite step gives for a bad request.
 *
 * @example
 * ```ts
 * rewriteFail('keep at least one channel', 'keep');
 * ```
 */
export function rewriteFail(message: string, field: string): never {
  throw new WhittleError('invalid-argument', message, { field });
}
