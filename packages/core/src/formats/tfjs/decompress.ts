/**
 * Turning any whittle model back into one tfjs reads without whittle: every param in a stock
 * form (dense float32 by default, or stock float16 / uint8 per tensor).
 */
import { castDense, denseEncoding } from '../../encoding/dense.ts';
import { encodingParamCount } from '../../encoding/byte-length.ts';
import { decode } from '../../encoding/decode.ts';
import { floatScratch, type FloatScratch } from '../../encoding/float-scratch.ts';
import type { Encoding } from '../../encoding/types.ts';
import { WhittleError } from '../../errors.ts';
import { replaceParams } from '../../model/replace-params.ts';
import type { Model } from '../../model/types.ts';
import { isFloatDType } from '../../tensor/dtype.ts';
import { toFloat32, type HostTensor } from '../../tensor/host-tensor.ts';
import { describeValue } from '../../tensor/shape.ts';
import { quantizeStockAffine } from './stock-uint8.ts';
import { stockWeight } from './stock-weights.ts';

/** The stock form {@link decompress} writes float params in. */
export type StockDType = 'float32' | 'float16' | 'uint8';

/** Options of {@link decompress}. */
export interface DecompressOptions {
  /**
   * `float32` (default): dense float32; `float16`: stock float16; `uint8`: stock per-tensor
   * uint8 quantized as tfjs-converter does (a tensor with NaN or infinities stays float32).
   */
  readonly dtype?: StockDType;
}

/**
 * A model whose params are all in a stock TFJS form, so `writeTfjsArtifacts` output loads with
 * plain tfjs: float params (every compressed encoding included) are decoded and stored as
 * `dtype` asks; params already in that form are kept as they are; dense int32 and bool stay;
 * other dense integers become int32 (exactly). Format, topology, order and roles are kept; the
 * input model is not modified.
 *
 * @example
 * ```ts
 * const plain = decompress(model); // dense float32 everywhere
 * const small = decompress(model, { dtype: 'uint8' }); // what `tensorflowjs_converter --quantize_uint8` gives
 * ```
 */
export function decompress(model: Model, options: DecompressOptions = {}): Model {
  const dtype = options.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float16' && dtype !== 'uint8') {
    throw new WhittleError('invalid-argument', `dtype must be float32, float16 or uint8, got ${describeValue(dtype)}`, {
      field: 'dtype',
    });
  }
  const updates = new Map<string, Encoding>();
  // float16 and uint8 outputs re-encode the decoded values, so one work array serves every param.
  const scratch = dtype === 'float32' ? undefined : floatScratch();
  for (const param of model.params.values()) {
    const value = stockValue(param.value, dtype, scratch);
    if (value !== param.value) updates.set(param.name, value);
  }
  return replaceParams(model, updates);
}

function stockValue(encoding: Encoding, dtype: StockDType, scratch: FloatScratch | undefined): Encoding {
  if (encoding.kind === 'dense' && !isFloatDType(encoding.tensor.dtype)) {
    const tensor = encoding.tensor;
    if (tensor.dtype === 'int32' || tensor.dtype === 'bool') return encoding;
    return denseEncoding({
      dtype: 'int32',
      shape: tensor.shape,
      data: Int32Array.from(tensor.data as ArrayLike<number>),
    });
  }
  if (inStockForm(encoding, dtype)) return encoding;
  if (scratch === undefined) return denseEncoding(toFloat32(decode(encoding)));
  const values = decode(encoding, scratch.take(encodingParamCount(encoding))) as HostTensor<'float32'>;
  if (dtype === 'float16') return castDense(values, 'float16');
  if (values.data.every(Number.isFinite)) return quantizeStockAffine(values.data, values.shape, 8);
  // Kept as float32: the values must outlive the scratch array.
  return denseEncoding({ dtype: 'float32', shape: values.shape, data: values.data.slice() });
}

function inStockForm(encoding: Encoding, dtype: StockDType): boolean {
  switch (dtype) {
    case 'float32':
      return encoding.kind === 'dense' && encoding.tensor.dtype === 'float32';
    case 'float16':
      return encoding.kind === 'dense' && encoding.tensor.dtype === 'float16';
    case 'uint8':
      return encoding.kind === 'affine' && encoding.bits === 8 && stockWeight(encoding) !== undefined;
  }
}
