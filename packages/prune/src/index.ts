/**
 * `@whittle/prune`: pruning for whittle models. Keep-mask primitives (exact-count lowest-score
 * selection, N:M), sparse storage, and recipe handlers for core's `compress`; import
 * `@whittle/prune/register` to add the handlers to core's default registry.
 * @packageDocumentation
 */
export * from './masks/index.ts';
export * from './storage/index.ts';
export * from './recipes/index.ts';
export * from './unstructured/index.ts';
export * from './structured/index.ts';
export * from './wanda/index.ts';
export * from './gradual/index.ts';
