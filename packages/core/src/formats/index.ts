export * from './byte-source.ts';
export * from './tfjs/index.ts';
export * from './safetensors/index.ts';
