/**
 * Decoding: any encoding back to a HostTensor, over plain typed arrays so it runs with no tfjs
 * backend at all (formats decode while loading, before a backend is ready). Each kind's codec
 * decodes its own kind.
 */
import { toFloat32, type HostTensor } from '../tensor/host-tensor.ts';
import { builtInEncodings } from './encoding-codecs.ts';
import { defaultDecodeSimd, kernelOutput, whileOutputHeld } from './simd/decode-kernel.ts';
import type { Encoding } from './types.ts';

/**
 * The tensor an encoding stands for. Float encodings (and every compressed kind) decode to
 * float32; dense integer and bool tensors come back as they are, sharing the encoding's data
 * (as does dense float32), so copy before writing to the result.
 *
 * With `destination`, a Float32Array of exactly the element count that shares no bytes with the
 * encoding, the values are written there as float32 (integers and bools converted) and the
 * result's data is `destination`: a caller decoding many tensors reuses one array. Anything else
 * as `destination` is an `invalid-argument` error.
 *
 * @example
 * ```ts
 * const tensor = decode(castDense({ dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) }, 'float16'));
 * tensor.data; // Float32Array [1, 2]
 * const reused = new Float32Array(2);
 * decode(encoding, reused).data === reused; // true
 * ```
 */
export function decode(encoding: Encoding, destination?: Float32Array): HostTensor {
  if (destination === undefined) return builtInEncodings.decode(encoding);
  return whileOutputHeld(defaultDecodeSimd(), destination, () => builtInEncodings.decode(encoding, destination));
}

/**
 * Like {@link decode}, but always float32 (integer and bool dense tensors converted), into
 * `destination` when one is given (see {@link decode}).
 *
 * @example
 * ```ts
 * decodeToFloat32(denseEncoding({ dtype: 'int8', shape: [2], data: new Int8Array([-1, 1]) })).data; // [-1, 1]
 * ```
 */
export function decodeToFloat32(encoding: Encoding, destination?: Float32Array): HostTensor<'float32'> {
  if (destination !== undefined) return decode(encoding, destination) as HostTensor<'float32'>;
  return toFloat32(decode(encoding));
}

/**
 * A Float32Array of `count` floats inside the WebAssembly decode kernels' memory, or undefined
 * where WebAssembly SIMD is missing (or the engine refuses the memory). Decoding into it (or a
 * subarray of it) with {@link decode} / {@link decodeToFloat32} writes each chunk where it
 * belongs, instead of into the kernels' scratch and then out to the caller's array: one pass
 * over the output, not two. The view stays valid until the module's memory grows (a later call
 * asking for more than any before, or a decode elsewhere needing more scratch than is free): ask
 * for it again before each decode (cheap: same place, same bytes). Memory grows in power-of-two
 * size classes, so a loop over tensors of similar sizes grows it a few times, not per call; a
 * decode into the view never grows it (what needs more scratch decodes in JS instead). An
 * integer count from 0 to 201,326,592 (768 MiB of floats); anything else is an
 * `invalid-argument` error at field `count`.
 *
 * @example
 * ```ts
 * for (const encoding of encodings) {
 *   const size = encoding.shape.reduce((product, side) => product * side, 1);
 *   const values = decodeKernelOutput(size) ?? new Float32Array(size);
 *   decodeToFloat32(encoding, values); // read values before the next call
 * }
 * ```
 */
export function decodeKernelOutput(count: number): Float32Array | undefined {
  return kernelOutput(count, defaultDecodeSimd());
}
