export { quantizeTfjsStockCalibrated, type CalibratedRoundingOptions, type CalibratedStockResult } from './calibrated-stock-rounding.ts';
export { denseMatrices, depthwiseMatrices, type KernelMatrices } from './kernel-matrices.ts';
