export { addLora, type LoraLayer, type LoraModel } from './add-lora.ts';
export { encodeLoraAdapters, loadLoraAdapters, readLoraAdapters, saveLoraAdapters, writeLoraAdapters } from './lora-files.ts';
export type { LoraAdapters, LoraLayerAdapter, LoraOptions } from './lora-types.ts';
