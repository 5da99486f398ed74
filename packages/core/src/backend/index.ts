export { installChainedOps } from './chained-ops.ts';
export * from './runtime.ts';
export * from './use-backend.ts';
export { gradientsRegistered, loadGradients, requireGradients } from './gradients.ts';
export { requireBackend } from './require-backend.ts';
export type { GpuLike } from './webgpu-glue.ts';
