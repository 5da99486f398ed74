export { addLora, type LoraLayer, type LoraModel } from './add-lora.ts';
export { checkAdapters, checkLoraScale } from './check-adapters.ts';
export { encodeLoraAdapters, loadLoraAdapters, readLoraAdapters, saveLoraAdapters, writeLoraAdapters } from './lora-files.ts';
export type { LoraAdapters, LoraLayerAdapter, LoraOptions } from './lora-types.ts';
export { seededGaussian } from './seeded-gaussian.ts';
