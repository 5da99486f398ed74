export { fileError, fileSource, openRegularFile, type FileSource, type RegularFile } from './file-source.ts';
export {
  assertSafeOutput,
  atomicFileSink,
  exists,
  openAtomicFile,
  writeFileAtomic,
  type AtomicFile,
  type WriteOptions,
} from './atomic-file.ts';
export * from './tfjs-exports.ts';
export * from './safetensors-exports.ts';
