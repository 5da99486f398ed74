export {
  openSafetensorsFile,
  readSafetensorsFile,
  writeSafetensorsFile,
  type SafetensorsFile,
  type WriteSafetensorsFileOptions,
} from './safetensors-file.ts';
export { transformSafetensorsFile, type TensorRows, type TransformSafetensorsOptions } from './safetensors-transform.ts';
export { fileSpill } from './safetensors-spill.ts';
