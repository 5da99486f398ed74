export * from './bits-per-weight.ts';
export * from './tensor-metrics.ts';
export * from './compare-models.ts';
