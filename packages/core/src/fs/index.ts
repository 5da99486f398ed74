export * from './file-source.ts';
export * from './atomic-file.ts';
