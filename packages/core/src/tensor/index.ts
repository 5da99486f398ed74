export * from './dtype.ts';
export * from './half.ts';
export * from './shape.ts';
export { MAX_EXTENT, MAX_RANK, checkShapeLimits, describeShape } from './shape-limits.ts';
export * from './host-tensor.ts';
export * from './tfjs-tensor.ts';
