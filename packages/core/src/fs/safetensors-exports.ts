export {
  openSafetensorsFile,
  readSafetensorsFile,
  writeSafetensorsFile,
  type SafetensorsFile,
  type WriteSafetensorsFileOptions,
} from './safetensors-file.ts';
export { transformSafetensorsFile, type TensorRows, type TransformSafetensorsOptions } from './safetensors-transform.ts';
export { fileSpill } from './safetensors-spill.ts';
export {
  compressSafetensorsFile,
  type CompressSafetensorsOptions,
  type CompressSafetensorsResult,
} from './safetensors-compress.ts';
export { ROW_BLOCK_BYTES, ROW_STREAM_THRESHOLD, encodeRowBlocks, type RowBlockSizes } from './safetensors-row-encoder.ts';
