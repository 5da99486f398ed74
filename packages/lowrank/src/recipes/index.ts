export { lowrankHandlers } from './handlers.ts';
