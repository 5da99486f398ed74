/**
 * A reusable float32 work array for callers that decode many tensors one after another and
 * consume each before the next (re-encoding, copying into a larger buffer): decoding into the
 * same memory every time spares a fresh allocation, and its page faults, per tensor.
 */

/** Hands out views of one growing Float32Array. */
export interface FloatScratch {
  /**
   * A Float32Array of exactly `size` elements over the shared memory, valid until the next call
   * (which may reuse or replace the memory). Its contents are whatever was there before.
   */
  take(size: number): Float32Array;
}

/**
 * A scratch that grows to the next power of two at least as large as each request, so a model
 * of mixed tensor sizes reallocates at most once per doubling of its largest tensor.
 *
 * @example
 * ```ts
 * const scratch = floatScratch();
 * for (const encoding of encodings) consume(decode(encoding, scratch.take(encodingParamCount(encoding))).data);
 * ```
 */
export function floatScratch(): FloatScratch {
  let memory = new Float32Array(0);
  return {
    take(size) {
      if (size > memory.length) memory = new Float32Array(2 ** Math.ceil(Math.log2(size)));
      return memory.subarray(0, size);
    },
  };
}
