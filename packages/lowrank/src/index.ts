/**
 * `@whittle/lowrank`: low-rank factorization for whittle models. Exact and randomized SVD, rank
 * selection (fixed rank, energy, tolerance, parameter budgets per layer or per model), and LoRA
 * adapters for parameter-efficient fine-tuning.
 * @packageDocumentation
 */
export * from './linalg/index.ts';
export * from './lora/index.ts';
export * from './factorize/index.ts';
