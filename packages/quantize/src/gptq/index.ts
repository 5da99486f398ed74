// Calibration inputs are core's, shared with every step that reads activations.
export { calibrationBatches, type CalibrationBatch, type CalibrationSource } from '@whittle/core';
export {
  accumulateHessian,
  createHessianAccumulator,
  isHessian,
  type Hessian,
  type HessianAccumulator,
} from './hessian.ts';
export {
  GPTQ_BITS,
  GPTQ_DEFAULTS,
  GPTQ_MAX_SIZE,
  GPTQ_ROLES,
  GPTQ_SCALE_DTYPES,
  PER_CHANNEL,
  resolveGptqOptions,
  type GptqOptions,
  type GptqRole,
  type GptqScaleDType,
  type ResolvedGptqOptions,
} from './gptq-options.ts';
export {
  gptqQuantize,
  gptqQuantizeWithHessian,
  layerOutputError,
  rtnQuantize,
  type GptqResult,
  type RtnResult,
} from './gptq-quantize.ts';
export {
  GPTQ_KIND,
  gptq,
  validateGptqStep,
  type GptqConfig,
  type GptqSettings,
  type GptqStep,
} from './gptq-step.ts';
export {
  CALIBRATION_RESOURCE,
  gptqHandler,
  type GptqCalibration,
  type LayerCalibration,
  type LayerCalibrationMap,
} from './gptq-handler.ts';
