export * from './dtype.ts';
export * from './half.ts';
export * from './shape.ts';
export { MAX_ENTRIES_WITHOUT_DATA, MAX_EXTENT, MAX_RANK, checkEntriesBound, checkShapeLimits, describeShape } from './shape-limits.ts';
export * from './host-tensor.ts';
export * from './tfjs-tensor.ts';
