/**
 * Decoding: any encoding back to a HostTensor, over plain typed arrays so it runs with no tfjs
 * backend at all (formats decode while loading, before a backend is ready). Each kind's codec
 * decodes its own kind.
 */
import { toFloat32, type HostTensor } from '../tensor/host-tensor.ts';
import { builtInEncodings } from './encoding-codecs.ts';
import type { Encoding } from './types.ts';

/**
 * The tensor an encoding stands for. Float encodings (and every compressed kind) decode to
 * float32; dense integer and bool tensors come back as they are, sharing the encoding's data
 * (as does dense float32), so copy before writing to the result.
 *
 * @example
 * ```ts
 * const tensor = decode(castDense({ dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) }, 'float16'));
 * tensor.data; // Float32Array [1, 2]
 * ```
 */
export function decode(encoding: Encoding): HostTensor {
  return builtInEncodings.decode(encoding);
}

/**
 * Like {@link decode}, but always float32 (integer and bool dense tensors converted).
 *
 * @example
 * ```ts
 * decodeToFloat32(denseEncoding({ dtype: 'int8', shape: [2], data: new Int8Array([-1, 1]) })).data; // [-1, 1]
 * ```
 */
export function decodeToFloat32(encoding: Encoding): HostTensor<'float32'> {
  return toFloat32(decode(encoding));
}
