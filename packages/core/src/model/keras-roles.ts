import { WhittleError } from '../errors.ts';
import { describeValue } from '../tensor/shape.ts';
import type { ParamRole } from './types.ts';

/** The role of one Keras weight and the layer that owns it. */
export interface KerasWeightRole {
  readonly role: ParamRole;
  readonly layer: string;
}

/** Nesting deeper than this is rejected rather than risking the stack on hostile input. */
const MAX_DEPTH = 32;

const MODEL_CLASSES: ReadonlySet<string> = new Set(['Sequential', 'Model', 'Functional']);

type WeightList = ReadonlyArray<readonly [weight: string, role: ParamRole]>;

/**
 * Reads the role of every weight a Keras / tfjs-layers topology declares, keyed by the weight
 * name tfjs gives it: `<layer name>/<weight>` (`dense_1/kernel`, `batch_normalization/gamma`).
 *
 * Accepts the `modelTopology` JSON of a LayersModel (`{ class_name: 'Sequential' | 'Model' |
 * 'Functional', config: { layers } }`), the whole model.json (`{ modelTopology }`), the
 * converter's `{ model_config }` wrapper, older Sequential configs that are a bare array of
 * layers, and nested sub-models. Layers it does not know contribute nothing, so their weights
 * read as `other` through {@link lookupKerasRole}. Layers flagged `use_bias: false` (or
 * `center` / `scale: false` for norms) declare no bias (beta / gamma).
 *
 * Throws an `invalid-model` WhittleError naming the field (`topology.config.layers[2].class_name`)
 * when the topology is malformed.
 *
 * @example
 * ```ts
 * const roles = rolesFromKerasTopology({
 *   class_name: 'Sequential',
 *   config: { name: 'sequential', layers: [{ class_name: 'Dense', config: { name: 'dense', units: 4 } }] },
 * });
 * roles.get('dense/kernel'); // { role: 'dense-kernel', layer: 'dense' }
 * ```
 */
export function rolesFromKerasTopology(topology: unknown): Map<string, KerasWeightRole> {
  const roles = new Map<string, KerasWeightRole>();
  let root = topology;
  let field = 'topology';
  if (isRecord(root) && 'modelTopology' in root) {
    root = root.modelTopology;
    field = `${field}.modelTopology`;
  }
  if (isRecord(root) && 'model_config' in root) {
    root = root.model_config;
    field = `${field}.model_config`;
  }
  visitModel(root, field, 0, roles);
  return roles;
}

/**
 * The role of a weight name in a map from {@link rolesFromKerasTopology}. Tolerates the scopes
 * converters add: tries the exact name (without a trailing `:0`), then shorter suffixes
 * (`model/dense_1/kernel` → `dense_1/kernel`), then the first and last segments
 * (`lstm/lstm_cell/kernel` → `lstm/kernel`). Unknown weights read as `other`, owned by the
 * first segment of their name.
 *
 * @example
 * ```ts
 * lookupKerasRole(roles, 'sequential/dense_1/kernel'); // { role: 'dense-kernel', layer: 'dense_1' }
 * ```
 */
export function lookupKerasRole(roles: ReadonlyMap<string, KerasWeightRole>, weightName: string): KerasWeightRole {
  const name = weightName.replace(/:\d+$/, '');
  const segments = name.split('/');
  for (let start = 0; start < segments.length - 1; start++) {
    const found = roles.get(segments.slice(start).join('/'));
    if (found !== undefined) return found;
  }
  if (segments.length > 2) {
    const found = roles.get(`${segments[0]}/${segments[segments.length - 1]}`);
    if (found !== undefined) return found;
  }
  return { role: 'other', layer: segments.length > 1 ? (segments[0] ?? name) : name };
}

function visitModel(node: unknown, field: string, depth: number, roles: Map<string, KerasWeightRole>): void {
  if (depth > MAX_DEPTH) fail(`models nest deeper than ${MAX_DEPTH} levels`, field);
  const record = readRecord(node, field);
  const className = readString(record.class_name, `${field}.class_name`);
  if (!MODEL_CLASSES.has(className)) {
    fail(`expected a Sequential or functional model, got class ${describeValue(className)}`, `${field}.class_name`);
  }
  const { layers, layersField } = readLayers(record.config, `${field}.config`);
  layers.forEach((layer, index) => visitLayer(layer, `${layersField}[${index}]`, depth, roles));
}

function readLayers(config: unknown, field: string): { layers: readonly unknown[]; layersField: string } {
  // Keras before 2.2.3 wrote a Sequential's config as the bare list of its layers.
  if (Array.isArray(config)) return { layers: config, layersField: field };
  const record = readRecord(config, field);
  if (!Array.isArray(record.layers)) {
    fail(`layers must be an array, got ${describeValue(record.layers)}`, `${field}.layers`);
  }
  return { layers: record.layers, layersField: `${field}.layers` };
}

function visitLayer(node: unknown, field: string, depth: number, roles: Map<string, KerasWeightRole>): void {
  const record = readRecord(node, field);
  const className = readString(record.class_name, `${field}.class_name`);
  if (MODEL_CLASSES.has(className)) {
    visitModel(record, field, depth + 1, roles);
    return;
  }
  const config = readRecord(record.config, `${field}.config`);
  const name = readLayerName(record, config, field);
  if (className === 'Bidirectional' || className === 'TimeDistributed') {
    visitWrapper(className, name, config, `${field}.config`, roles);
    return;
  }
  for (const [weight, role] of weightsOf(className, config)) {
    roles.set(`${name}/${weight}`, { role, layer: name });
  }
}

function visitWrapper(
  className: string,
  wrapperName: string,
  config: Record<string, unknown>,
  field: string,
  roles: Map<string, KerasWeightRole>,
): void {
  const inner = readRecord(config.layer, `${field}.layer`);
  const innerClass = readString(inner.class_name, `${field}.layer.class_name`);
  const innerConfig = readRecord(inner.config, `${field}.layer.config`);
  const innerName = readLayerName(inner, innerConfig, `${field}.layer`);
  // Keras names a Bidirectional's halves `forward_<inner>` and `backward_<inner>`.
  const prefixes =
    className === 'Bidirectional'
      ? [`forward_${innerName}`, `backward_${innerName}`]
      : [innerName, wrapperName];
  for (const [weight, role] of weightsOf(innerClass, innerConfig)) {
    for (const prefix of prefixes) roles.set(`${prefix}/${weight}`, { role, layer: wrapperName });
  }
}

function weightsOf(className: string, config: Record<string, unknown>): WeightList {
  const bias: WeightList = config.use_bias === false ? [] : [['bias', 'bias']];
  const gamma: WeightList = config.scale === false ? [] : [['gamma', 'norm-gamma']];
  const beta: WeightList = config.center === false ? [] : [['beta', 'norm-beta']];
  switch (className) {
    case 'Dense':
      return [['kernel', 'dense-kernel'], ...bias];
    case 'Conv1D':
    case 'Conv2D':
    case 'Conv3D':
      return [['kernel', 'conv2d-kernel'], ...bias];
    case 'Conv1DTranspose':
    case 'Conv2DTranspose':
    case 'Conv3DTranspose':
      return [['kernel', 'conv2d-transpose-kernel'], ...bias];
    case 'DepthwiseConv1D':
    case 'DepthwiseConv2D':
      return [['depthwise_kernel', 'depthwise-kernel'], ...bias];
    case 'SeparableConv1D':
    case 'SeparableConv2D':
      return [['depthwise_kernel', 'depthwise-kernel'], ['pointwise_kernel', 'pointwise-kernel'], ...bias];
    case 'Embedding':
      return [['embeddings', 'embedding']];
    case 'BatchNormalization':
      return [...gamma, ...beta, ['moving_mean', 'norm-mean'], ['moving_variance', 'norm-variance']];
    case 'LayerNormalization':
    case 'GroupNormalization':
      return [...gamma, ...beta];
    case 'SimpleRNN':
    case 'LSTM':
    case 'GRU':
      // Gate matrices are [in, units * gates]: a dense layout, so per-column schemes apply.
      return [['kernel', 'dense-kernel'], ['recurrent_kernel', 'dense-kernel'], ...bias];
    case 'ConvLSTM2D':
      return [['kernel', 'conv2d-kernel'], ['recurrent_kernel', 'conv2d-kernel'], ...bias];
    default:
      return [];
  }
}

function readLayerName(record: Record<string, unknown>, config: Record<string, unknown>, field: string): string {
  // Functional models repeat the name beside the config; Sequential ones keep it inside.
  const name = config.name ?? record.name;
  if (typeof name !== 'string' || name.length === 0) {
    fail(`a layer needs a non-empty name, got ${describeValue(name)}`, `${field}.config.name`);
  }
  return name;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readRecord(value: unknown, field: string): Record<string, unknown> {
  if (!isRecord(value)) fail(`expected an object, got ${describeValue(value)}`, field);
  return value;
}

function readString(value: unknown, field: string): string {
  if (typeof value !== 'string') fail(`expected a string, got ${describeValue(value)}`, field);
  return value;
}

function fail(message: string, field: string): never {
  throw new WhittleError('invalid-model', message, { field });
}
