export * from './arbitraries.ts';
export * from './bits.ts';
export * from './malformed.ts';
