export { DEFAULT_EQUALIZE_SWEEPS, equalizeModel, type EqualizeOptions, type EqualizeResult } from './equalize-model.ts';
