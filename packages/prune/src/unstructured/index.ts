export { unstructuredHandlers } from './handlers.ts';
export {
  MAGNITUDE_SCOPES,
  magnitude,
  magnitudeHandler,
  type MagnitudeScope,
  type MagnitudeStep,
  type MagnitudeStepOptions,
} from './magnitude-step.ts';
export {
  MAX_STEP_M,
  NM_STORAGE_LAYOUTS,
  nm,
  nmHandler,
  type NmStep,
  type NmStepOptions,
  type NmStorageLayout,
  type NmStorageOptions,
} from './nm-step.ts';
export { MAX_SPARSITY_GLOBS } from './param-sparsities.ts';
