export { fakeQuant, fakeQuantEncoding, type FakeQuantOptions } from './fake-quant.ts';
export {
  applyFakeQuant,
  kernelFakeQuantOptions,
  type FakeQuantKernel,
  type FakeQuantModel,
  type FakeQuantModelOptions,
  type KernelGranularity,
  type LayerLike,
  type LayersModelLike,
  type LayerWeightLike,
} from './fake-quant-model.ts';
export { exportFakeQuant } from './export-fake-quant.ts';
