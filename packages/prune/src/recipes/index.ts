export { pruneHandlers } from './handlers.ts';
