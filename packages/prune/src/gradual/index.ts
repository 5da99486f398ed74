export { GRADUAL_DEFAULTS, GRADUAL_KIND, TRAINING_OPTIMIZERS, gradual, validateGradualStep } from './gradual-step.ts';
export type { GradualConfig, GradualScheduleOptions, GradualSettings, GradualStep, TrainingOptimizer } from './gradual-step.ts';
export { gradualHandler } from './gradual-handler.ts';
export { PRUNING_SCOPES, magnitudeMasks, type PruningScope } from './magnitude-masks.ts';
export { DEFAULT_FREQUENCY, SCHEDULE_FIELDS, constantSchedule, polynomialSchedule, readSchedule, sparsityAt } from './polynomial-schedule.ts';
export type { PolynomialSchedule, PolynomialScheduleOptions } from './polynomial-schedule.ts';
export { stripPruning } from './strip-pruning.ts';
export { trainPruned, type PrunedTraining, type PruningProgress, type TrainPrunedOptions } from './train-pruned.ts';
