export { FINE_TUNE_DEFAULTS, FINE_TUNE_OPTIMIZERS, createFineTuneOptimizer, readFineTune } from './fine-tune-settings.ts';
export type { FineTuneConfig, FineTuneOptimizer, FineTuneSettings } from './fine-tune-settings.ts';
export { sharedWeightsOf, withCentroids, type SharedWeights } from './shared-weights.ts';
export { splitTrainingBatches } from './split-training-batches.ts';
export { trainSharedWeights, type SharedWeightsTraining, type TrainSharedWeightsOptions } from './train-shared-weights.ts';
