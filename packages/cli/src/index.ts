// Side effect: registers every technique's recipe kinds in core's default registry, so the
// commands exported here (runCompress…) run them as the command line does.
import '@whittle/quantize/register';
import '@whittle/prune/register';
import '@whittle/lowrank/register';
import '@whittle/distill/register';
export * from './cli-io.ts';
export * from './run-cli.ts';
export * from './commands/bench.ts';
export * from './commands/compress.ts';
export * from './commands/decompress.ts';
export * from './commands/demo.ts';
export * from './commands/inspect.ts';
export { DEMO_CONFIG, QUICK_DEMO_CONFIG, type DemoConfig, type DemoModelConfig } from './demo/demo-config.ts';
export {
  DEEP_COMPRESSION_PAPER,
  type DemoDataset,
  type DemoLayerRow,
  type DemoModelResult,
  type DemoResult,
  type DemoRow,
  type PaperLayerRow,
  type PaperModelResult,
} from './demo/demo-result.ts';
export { DEMO_MODEL_NAMES, type DemoModelName } from './demo/lenet-models.ts';
export type { CompressReport, CompressedStep, ModelSize, OutputSize } from './compress/compress-report.ts';
export type { DecompressReport } from './compress/decompress-file.ts';
export type { InspectReport, InspectedTensor } from './model-files/inspect-model.ts';
export * from './progress/progress-reporter.ts';
export { RECIPE_PRESETS, RECIPE_PRESET_NAMES, findPreset, type RecipePreset, type RecipePresetName } from './recipe/presets.ts';
