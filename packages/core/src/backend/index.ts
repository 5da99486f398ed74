export * from './runtime.ts';
export * from './use-backend.ts';
export type { GpuLike } from './webgpu-glue.ts';
