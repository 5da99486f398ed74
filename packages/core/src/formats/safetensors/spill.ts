/**
 * Where a one-shot stream of params waits while a safetensors file is written without a layout
 * known up front: the data goes to a spill as it arrives, then the header (now complete) and the
 * spilled data go to the output. `@whittle/core/fs` has a file spill that keeps memory bounded.
 */
import { WhittleError } from '../../errors.ts';

const EMPTY = new Uint8Array(0);

/** Append-only storage that gives its bytes back once, in order. */
export interface SpillStore {
  /** Appends bytes; the store keeps its own copy, so the caller may reuse `chunk`. */
  write(chunk: Uint8Array): Promise<void>;
  /** Everything written, in order, as chunks; called once, after the last write. */
  drain(): AsyncIterable<Uint8Array>;
  /** Frees the storage; safe to call more than once, and after a failure. */
  dispose(): Promise<void>;
}

/**
 * A spill in memory: simple, but it holds every param's bytes until the header is written. Use
 * a layout or a file spill for large models.
 *
 * @example
 * ```ts
 * await writeSafetensors(sink, paramStream(), { spill: memorySpill() });
 * ```
 */
export function memorySpill(): SpillStore {
  let chunks: Uint8Array[] | undefined = [];
  return {
    async write(chunk) {
      if (chunks === undefined) throw new WhittleError('invalid-argument', 'write after dispose', { field: 'spill' });
      chunks.push(chunk.slice());
    },
    async *drain() {
      const list = chunks ?? [];
      for (let index = 0; index < list.length; index++) {
        const chunk = list[index]!;
        // Let each chunk go once it is handed on.
        list[index] = EMPTY;
        yield chunk;
      }
    },
    async dispose() {
      chunks = undefined;
    },
  };
}
