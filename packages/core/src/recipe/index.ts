export type * from './types.ts';
export * from './registry.ts';
export * from './default-registry.ts';
export * from './field-readers.ts';
export * from './validate-recipe.ts';
export * from './compress.ts';
export * from './cast.ts';
export * from './per-param.ts';
export * from './step-selection.ts';
