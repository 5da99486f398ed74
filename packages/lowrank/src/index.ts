/**
 * `@whittle/lowrank`: low-rank factorization for whittle models (not yet released).
 *
 * Nothing is exported yet; see this package's README for what it will hold.
 * @packageDocumentation
 */
export * from './lora/index.ts';
