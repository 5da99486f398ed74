export { modelJsonPath, readTfjsModelFile, type ReadTfjsModelFileOptions } from './tfjs-read.ts';
export { writeTfjsModelFiles, type TfjsModelFiles, type WriteTfjsModelFilesOptions } from './tfjs-write.ts';
export { whittleFileHandler } from './tfjs-file-handler.ts';
