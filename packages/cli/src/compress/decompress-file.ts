import { byteLength, createModel, decompress, encodingParamCount, isFloatDType, WhittleError, type Param, type StockDType } from '@whittle/core';
import { transformSafetensorsFile } from '@whittle/core/fs';
import type { ModelSize } from './compress-report.ts';
import { headerSize } from './compress-safetensors.ts';

/** What `whittle decompress --json` prints. */
export interface DecompressReport {
  readonly input: ModelSize;
  readonly output: ModelSize;
  readonly dtype: StockDType;
}

/**
 * Turns a safetensors file back into one read without whittle, written to `output` (checked by
 * `resolveOutput`): streamed one param at a time, every float param (compressed encodings
 * included) decoded and stored dense as `dtype` (float32 or float16); dense integer tensors stay
 * as they are, since safetensors holds them. `uint8` has no plain safetensors form.
 *
 * @example
 * ```ts
 * await decompressSafetensors('small.safetensors', 'plain.safetensors', { dtype: 'float32', force: false });
 * ```
 */
export async function decompressSafetensors(
  input: string,
  output: string,
  options: { readonly dtype: StockDType; readonly force: boolean },
): Promise<DecompressReport> {
  const { dtype, force } = options;
  if (dtype === 'uint8') {
    throw new WhittleError('invalid-argument', 'uint8 is a TFJS stock form; a safetensors model decompresses to float32 or float16', {
      field: '--dtype',
    });
  }
  const inputSize = await headerSize(input);
  let params = 0;
  let bytes = 0;
  await transformSafetensorsFile(
    input,
    output,
    (param) => {
      const plain = plainParam(param, dtype);
      params += encodingParamCount(plain.value);
      bytes += byteLength(plain.value);
      return plain;
    },
    { force },
  );
  return { input: inputSize, output: { params, bytes }, dtype };
}

function plainParam(param: Param, dtype: 'float32' | 'float16'): Param {
  const { value } = param;
  // Dense integers and bools are plain safetensors already; core's decompress would widen them to int32.
  if (value.kind === 'dense' && !isFloatDType(value.tensor.dtype)) return param;
  const model = decompress(createModel({ format: 'safetensors', params: [param] }), { dtype });
  return model.params.get(param.name)!;
}
