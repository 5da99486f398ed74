/**
 * Decoding: any encoding back to a HostTensor, over plain typed arrays so it runs with no tfjs
 * backend at all (formats decode while loading, before a backend is ready).
 */
import { toFloat32, type HostTensor } from '../tensor/host-tensor.ts';
import { decodeAffine } from './affine.ts';
import { decodeCodebook } from './codebook.ts';
import { decodeDense } from './dense.ts';
import { multiplyFactors } from './low-rank.ts';
import { matrixDimensions } from './matrix-shape.ts';
import { scatterSparse } from './sparse-layout.ts';
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
  switch (encoding.kind) {
    case 'dense':
      return decodeDense(encoding);
    case 'affine':
      return float32(encoding.shape, decodeAffine(encoding));
    case 'codebook':
      return float32(encoding.shape, decodeCodebook(encoding));
    case 'sparse':
      return float32(encoding.shape, scatterSparse(encoding.shape, encoding.layout, decodeFloat32(encoding.values)));
    case 'lowrank': {
      const { rows, columns } = matrixDimensions(encoding.shape);
      const left = decode(encoding.left);
      const rank = left.shape[1] ?? 0;
      const product = multiplyFactors(toFloat32(left).data, decodeFloat32(encoding.right), rows, rank, columns);
      return float32(encoding.shape, product);
    }
  }
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

function decodeFloat32(encoding: Encoding): Float32Array {
  return toFloat32(decode(encoding)).data;
}

function float32(shape: readonly number[], data: Float32Array): HostTensor<'float32'> {
  return { dtype: 'float32', shape: [...shape], data };
}
