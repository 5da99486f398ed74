/**
 * The top-level model.json fields (all but the manifest) a Model's topology stands for.
 */
import type { Model } from '../../model/types.ts';
import { WHITTLE_SECTION } from './model-json-types.ts';
import { setOwn } from './set-own.ts';

const MODEL_JSON_FIELDS = [
  'modelTopology',
  'format',
  'generatedBy',
  'convertedBy',
  'trainingConfig',
  'signature',
  'userDefinedMetadata',
  'modelInitializer',
  'initializerSignature',
];

/**
 * The model.json fields of a model, other than `weightsManifest` and whittle's section: a
 * topology read from TFJS artifacts (the model.json fields) is copied as it is; a bare Keras
 * model config (a `tfjs-layers` model built with `modelFromTensors`) or GraphDef (`tfjs-graph`)
 * becomes `modelTopology` with its `format`; any other topology (a checkpoint's, a safetensors
 * header's) has no TFJS form and gives no fields, so the output is weights only.
 *
 * @example
 * ```ts
 * modelJsonFields(await readTfjsModel(json, loadShard)).modelTopology; // the Keras JSON, verbatim
 * ```
 */
export function modelJsonFields(model: Model): Record<string, unknown> {
  const topology = model.topology;
  if (typeof topology !== 'object' || topology === null || Array.isArray(topology)) return {};
  const record = topology as Record<string, unknown>;
  if (MODEL_JSON_FIELDS.some((field) => Object.hasOwn(record, field))) {
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) {
      if (key !== 'weightsManifest' && key !== WHITTLE_SECTION) setOwn(fields, key, value);
    }
    return fields;
  }
  if (
    model.format === 'tfjs-layers' &&
    (Object.hasOwn(record, 'class_name') || Object.hasOwn(record, 'model_config'))
  ) {
    return { modelTopology: record, format: 'layers-model' };
  }
  if (model.format === 'tfjs-graph' && Array.isArray(record.node))
    return { modelTopology: record, format: 'graph-model' };
  return {};
}
