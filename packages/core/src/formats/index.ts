export * from './byte-source.ts';
