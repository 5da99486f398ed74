export * from './errors.ts';
export * from './tensor/index.ts';
export * from './backend/index.ts';
export * from './encoding/index.ts';
export * from './model/index.ts';
export * from './recipe/index.ts';
export * from './metrics/index.ts';
export * from './formats/index.ts';
