export { FINE_TUNE_DEFAULTS, FINE_TUNE_OPTIMIZERS } from './fine-tune-settings.ts';
export type { FineTuneConfig, FineTuneOptimizer, FineTuneSettings } from './fine-tune-settings.ts';
export { trainSharedWeights, type SharedWeightsTraining, type TrainSharedWeightsOptions } from './train-shared-weights.ts';
