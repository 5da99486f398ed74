export * from './file-source.ts';
export * from './atomic-file.ts';
export * from './tfjs-exports.ts';
export * from './safetensors-exports.ts';
