export { isBatchData, readBatches, type Batch, type BatchData, type BatchTensor, type BatchTensors } from './batch-data.ts';
export { captureCalibrationInputs } from './capture-calibration-inputs.ts';
export { fromLayersModel } from './from-layers-model.ts';
export { loadRunnable, runnableKind, type LoadRunnableOptions } from './load-runnable.ts';
export { METRIC_NAMES, type Metric, type MetricFunction, type MetricName } from './metric.ts';
export type { ModelInputInfo } from './model-engine.ts';
export type { CaptureCallback, CapturedInputs, Runnable } from './runnable.ts';
export { loadTrainable, type FitOptions, type Trainable } from './trainable.ts';
