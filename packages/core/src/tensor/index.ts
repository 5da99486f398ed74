export * from './dtype.ts';
export * from './half.ts';
export * from './shape.ts';
export * from './host-tensor.ts';
export * from './tfjs-tensor.ts';
