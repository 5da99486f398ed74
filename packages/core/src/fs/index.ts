/**
 * `@whittle/core/fs`: whittle models and checkpoints as files (Node, Deno and Bun): contained
 * reads, atomic writes, and safetensors checkpoints streamed param by param.
 */
export { describeCause, fileError, fileSource, openRegularFile, type FileSource, type RegularFile } from './file-source.ts';
export { isBelow } from './is-below.ts';
export { checkWeightPath } from '../formats/tfjs/weight-path.ts';
export {
  assertSafeOutput,
  atomicFileSink,
  exists,
  openAtomicFile,
  writeFileAtomic,
  type AtomicFile,
  type WriteOptions,
} from './atomic-file.ts';
export { modelJsonPath, readTfjsModelFile, type ReadTfjsModelFileOptions } from './tfjs-read.ts';
export { writeTfjsModelFiles, type TfjsModelFiles, type WriteTfjsModelFilesOptions } from './tfjs-write.ts';
export { whittleFileHandler } from './tfjs-file-handler.ts';
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
export { MAX_SENSITIVITY_CACHE_BYTES, fileSensitivityCache } from '../search/sensitivity-file-cache.ts';
