/**
 * Shared fast-check arbitraries for whittle's tensor and encoding contracts, so every package's
 * properties draw from the same inputs.
 */
export * from './tensor-arbitraries.ts';
export * from './encoding-arbitraries.ts';
export * from './model-arbitraries.ts';
