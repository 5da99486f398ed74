import type { RecipeStep } from '@whittle/core';
import type { VerbDefinition } from './verb-definition.ts';

/**
 * `quantize.affine`'s `granularity` from its flags: `--group-size` alone means groups, `--axis`
 * alone one scale per slice along that axis.
 */
function completeGranularity(step: RecipeStep): RecipeStep {
  const granularity = step.granularity as Record<string, unknown> | undefined;
  if (granularity === undefined || granularity.kind !== undefined) return step;
  return { ...step, granularity: { kind: granularity.size === undefined ? 'axis' : 'group', ...granularity } };
}

/**
 * Stock uint8 given data: codes calibrated on it (sequentially, with bias correction), which
 * halved the converter's output error or better on every model measured, unless `--rounding`
 * says otherwise.
 */
function calibratedByDefault(step: RecipeStep): RecipeStep {
  return step.rounding === undefined ? { ...step, rounding: 'calibrated' } : step;
}

/**
 * `whittle quantize`: one `quantize.*` step from flags named after the step's fields, or one of
 * the weight presets of `compress`.
 */
export const QUANTIZE_VERB: VerbDefinition = {
  name: 'quantize',
  description: 'quantize weights with one quantize step built from flags (or a preset) and write the result',
  methods: [
    { name: 'affine', kind: 'quantize.affine', complete: completeGranularity },
    { name: 'kmeans', kind: 'quantize.kmeans' },
    { name: 'gptq', kind: 'quantize.gptq', resourceFlags: ['--data', '--calibration'] },
    { name: 'uint8', kind: 'quantize.uint8', resourceFlags: ['--data', '--calibration'], withData: calibratedByDefault },
    { name: 'uint16', kind: 'quantize.uint16' },
    { name: 'float16', kind: 'quantize.float16' },
    { name: 'bfloat16', kind: 'quantize.bfloat16' },
  ],
  flags: [
    { name: '--bits', placeholder: '<n>', description: 'code width: 1–8 or 16 (affine), 1–8 (kmeans), 2–8 (gptq)', value: 'number', fields: { affine: 'bits', kmeans: 'bits', gptq: 'bits' } },
    { name: '--symmetric', description: 'signed codes without zero points (the default); --no-symmetric: unsigned codes with a zero point', value: 'switch', negatable: true, fields: { affine: 'symmetric', gptq: 'symmetric' } },
    { name: '--narrow-range', description: 'drop the lowest code ([-127, 127] for 8 bits)', value: 'switch', fields: { affine: 'narrowRange' } },
    { name: '--granularity', placeholder: '<kind>', description: 'one scale per tensor, axis (output channel, the default) or group', value: 'text', fields: { affine: 'granularity.kind' } },
    { name: '--group-size', placeholder: '<n>', description: 'weights per scale along the input axis (affine: implies --granularity group; gptq: -1 per channel)', value: 'number', fields: { affine: 'granularity.size', gptq: 'groupSize' } },
    { name: '--axis', placeholder: '<n>', description: 'the axis scales run along (default: from the param\'s role)', value: 'number', fields: { affine: 'granularity.axis' } },
    { name: '--scale-dtype', placeholder: '<dtype>', description: 'float32 or float16 scales', value: 'text', fields: { affine: 'scaleDType', gptq: 'scaleDType' } },
    { name: '--grid', placeholder: '<name>', description: 'how symmetric scales are chosen: absmax or signed-extreme', value: 'text', fields: { affine: 'grid' } },
    { name: '--iterations', placeholder: '<n>', description: 'k-means iterations (default 50)', value: 'number', fields: { kmeans: 'iterations' } },
    { name: '--init', placeholder: '<name>', description: 'k-means initialisation (default optimal)', value: 'text', fields: { kmeans: 'init' } },
    { name: '--seed', placeholder: '<n>', description: 'k-means random seed (default 0)', value: 'number', fields: { kmeans: 'seed' } },
    { name: '--damp', placeholder: '<x>', description: "GPTQ's dampening of the Hessian's diagonal", value: 'number', fields: { gptq: 'damp' } },
    { name: '--act-order', description: 'GPTQ: quantize columns in order of decreasing activation', value: 'switch', negatable: true, fields: { gptq: 'actOrder' } },
    { name: '--block-size', placeholder: '<n>', description: 'GPTQ: columns updated together', value: 'number', fields: { gptq: 'blockSize' } },
    { name: '--range', placeholder: '<name>', description: 'uint8: the range the codes span, minmax (tfjs-converter\'s) or mse', value: 'text', fields: { uint8: 'range' } },
    { name: '--equalize', description: 'uint8: cross-layer equalization first', value: 'switch', negatable: true, fields: { uint8: 'equalize' } },
    { name: '--rounding', placeholder: '<name>', description: "uint8: nearest (tfjs-converter's, the default without data), balanced, or calibrated on --data (the default with it)", value: 'text', fields: { uint8: 'rounding' } },
    { name: '--sequential', description: 'uint8 calibrated: calibrate each layer on the partly quantized model (the default with model inputs)', value: 'switch', negatable: true, fields: { uint8: 'sequential' } },
    { name: '--bias-correction', description: "uint8 calibrated: fold each layer's mean output shift into its float bias (the default with model inputs)", value: 'switch', negatable: true, fields: { uint8: 'biasCorrection' } },
  ],
  presets: ['int8', 'int4-g32', 'kmeans4', 'float16', 'uint8-stock'],
  examples: [
    'whittle quantize model/ --bits 4 --group-size 32 -o model-q4/',
    'whittle quantize model/ --preset int8 -o model-int8/',
    'whittle quantize model/ --method kmeans --bits 5 --exclude "dense_3/**" -o model-k5/',
    'whittle quantize model/ --method gptq --bits 4 --data mnist -o model-gptq/',
    'whittle quantize model/ --method uint8 --data mnist -o model-uint8/   # stock uint8, codes calibrated on the digits',
    'whittle quantize model.safetensors --method float16 -o model-f16.safetensors',
    'whittle quantize model/ --bits 4 --group-size 32 --print-recipe   # the step, for --recipe',
  ],
};
