export { createConvInputNormAccumulator, type ConvGeometry } from './conv-input-norms.ts';
export { createInputNormAccumulator, inputNorms, type InputNormAccumulator } from './input-norms.ts';
export { perOutputMask, perOutputNmMask } from './per-output-mask.ts';
export { wandaHandler } from './wanda-handler.ts';
export { WANDA_KIND, WANDA_MAX_M, validateWandaStep, wanda, type WandaConfig, type WandaSettings, type WandaStep } from './wanda-step.ts';
export { wandaScores } from './wanda-scores.ts';
