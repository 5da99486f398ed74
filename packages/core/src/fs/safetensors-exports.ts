export {
  openSafetensorsFile,
  readSafetensorsFile,
  writeSafetensorsFile,
  type SafetensorsFile,
  type WriteSafetensorsFileOptions,
} from './safetensors-file.ts';
export { transformSafetensorsFile, type TransformSafetensorsOptions } from './safetensors-transform.ts';
export { fileSpill } from './safetensors-spill.ts';
