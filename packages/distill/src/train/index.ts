export { distill } from './distill.ts';
export type { ApplyModel, DistillModel, LayersModelLike } from './distill-model.ts';
export type { DistillHistory, DistillOptions, DistillProgress, DistillResult, EarlyStoppingOptions, ValidationOptions } from './distill-options.ts';
export { SCHEDULE_KINDS, learningRateAt, type LearningRateSchedule, type ScheduleKind, type SchedulePosition } from './learning-rate-schedule.ts';
export { OPTIMIZER_NAMES, type OptimizerName } from '@whittle/core';
export type { BatchStream, DistillBatch, DistillData } from './training-data.ts';
export { VALIDATION_METRIC_NAMES, type MetricGoal, type ValidationMetric, type ValidationMetricName } from './validation-metric.ts';
