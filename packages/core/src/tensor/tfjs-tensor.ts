import * as tf from '@tensorflow/tfjs-core';
import { requireBackend } from '../backend/require-backend.ts';
import { WhittleError } from '../errors.ts';
import type { DType } from './dtype.ts';
import { toFloat32, validateHostTensor, type HostTensor } from './host-tensor.ts';

/**
 * Makes a tfjs tensor from a HostTensor. float32, int32 and bool data are handed to tfjs as they
 * are (tfjs copies only if the backend must); float64 narrows and 16-bit floats widen to float32,
 * and small integers become int32: the dtypes tfjs computes in.
 *
 * @example
 * ```ts
 * const t = toTensor(hostTensor('float32', [2], new Float32Array([1, 2])));
 * ```
 */
export function toTensor(host: HostTensor): tf.Tensor {
  validateHostTensor(host);
  requireBackend('toTensor');
  const shape = [...host.shape];
  switch (host.dtype) {
    case 'float32':
      return tf.tensor(host.data as Float32Array, shape, 'float32');
    case 'float64':
    case 'float16':
    case 'bfloat16':
      return tf.tensor(toFloat32(host).data, shape, 'float32');
    case 'int32':
      return tf.tensor(host.data as Int32Array, shape, 'int32');
    case 'bool':
      return tf.tensor(host.data as Uint8Array, shape, 'bool');
    default:
      return tf.tensor(Int32Array.from(host.data as ArrayLike<number>), shape, 'int32');
  }
}

/**
 * Reads a tfjs tensor back into a HostTensor (float32, int32 or bool). The read is asynchronous
 * so GPU backends do not block.
 *
 * @example
 * ```ts
 * const host = await fromTensor(tf.ones([2, 2]));
 * ```
 */
export async function fromTensor(tensor: tf.Tensor): Promise<HostTensor> {
  return hostFromData(tensor, await tensor.data());
}

/** Synchronous {@link fromTensor}, for the cpu and wasm backends. */
export function fromTensorSync(tensor: tf.Tensor): HostTensor {
  return hostFromData(tensor, tensor.dataSync());
}

function hostFromData(tensor: tf.Tensor, data: tf.DataTypeMap[tf.NumericDataType] | string[]): HostTensor {
  const dtype = tfDTypeToHost(tensor.dtype);
  const shape = [...tensor.shape];
  if (dtype === 'bool') return { dtype, shape, data: Uint8Array.from(data as Uint8Array) };
  return validateHostTensor({ dtype, shape, data });
}

function tfDTypeToHost(dtype: tf.DataType): DType {
  if (dtype === 'float32' || dtype === 'int32' || dtype === 'bool') return dtype;
  throw new WhittleError('invalid-tensor', `tfjs dtype ${dtype} has no HostTensor form`, { field: 'dtype' });
}
