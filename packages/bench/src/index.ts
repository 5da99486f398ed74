export * from './machine-info.ts';
export * from './measure.ts';
export * from './result-row.ts';
export * from './seeded-random.ts';
export * from './suite.ts';
export * from './suites.ts';
export * from './suites/backends.ts';
