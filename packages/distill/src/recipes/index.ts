export { distillHandlers } from './handlers.ts';
export { distillHandler } from './distill-handler.ts';
export { DISTILL_KIND, DISTILL_STEP_DEFAULTS, distillStep, validateDistillStep, type DistillConfig, type DistillStep, type DistillStepSettings } from './distill-step.ts';
export { classifierLogits } from './classifier-logits.ts';
