import { byteLength, createModel, decompress, encodingParamCount, isFloatDType, WhittleError, type Param, type StockDType } from '@whittle/core';
import { readTfjsModelFile, transformSafetensorsFile, writeTfjsModelFiles } from '@whittle/core/fs';
import { modelInputs, type ModelLocation } from '../model-files/model-location.ts';
import { sizeOf, type ModelSize } from './compress-report.ts';
import { headerSize } from './compress-safetensors.ts';

/** What `whittle decompress --json` prints. */
export interface DecompressReport {
  readonly input: ModelSize;
  readonly output: ModelSize;
  readonly dtype: StockDType;
}

/**
 * Turns any whittle output back into a model read without whittle, written to `output` (checked
 * by `resolveOutput`):
 *
 * - TFJS artifacts: core's `decompress`, every float param in stock `dtype` (dense float32 by
 *   default; stock float16 or per-tensor uint8), written as TFJS artifacts that plain
 *   `tf.loadLayersModel` / `tf.loadGraphModel` read.
 * - safetensors: streamed one param at a time, every float param (compressed encodings
 *   included) decoded and stored dense as `dtype` (float32 or float16); dense integer tensors
 *   stay as they are, since safetensors holds them. `uint8` has no plain safetensors form.
 *
 * @example
 * ```ts
 * await decompressModel(await locateModel('small'), 'plain', { dtype: 'float32', force: false });
 * ```
 */
export async function decompressModel(
  location: ModelLocation,
  output: string,
  options: { readonly dtype: StockDType; readonly force: boolean },
): Promise<DecompressReport> {
  const { dtype, force } = options;
  if (location.format === 'tfjs') {
    const model = await readTfjsModelFile(location.modelJson);
    const plain = decompress(model, { dtype });
    await writeTfjsModelFiles(plain, output, { force, inputs: modelInputs(location) });
    return { input: sizeOf(model), output: sizeOf(plain), dtype };
  }
  if (dtype === 'uint8') {
    throw new WhittleError('invalid-argument', 'uint8 is a TFJS stock form; a safetensors model decompresses to float32 or float16', {
      field: '--dtype',
    });
  }
  const input = await headerSize(location.path);
  let params = 0;
  let bytes = 0;
  await transformSafetensorsFile(
    location.path,
    output,
    (param) => {
      const plain = plainParam(param, dtype);
      params += encodingParamCount(plain.value);
      bytes += byteLength(plain.value);
      return plain;
    },
    { force },
  );
  return { input, output: { params, bytes }, dtype };
}

function plainParam(param: Param, dtype: 'float32' | 'float16'): Param {
  const { value } = param;
  // Dense integers and bools are plain safetensors already; core's decompress would widen them to int32.
  if (value.kind === 'dense' && !isFloatDType(value.tensor.dtype)) return param;
  const model = decompress(createModel({ format: 'safetensors', params: [param] }), { dtype });
  return model.params.get(param.name)!;
}
