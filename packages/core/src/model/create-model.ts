import { encodingShape, validateEncoding } from '../encoding/index.ts';
import type { Encoding } from '../encoding/types.ts';
import { WhittleError } from '../errors.ts';
import { describeValue, shapesEqual } from '../tensor/shape.ts';
import { isParamRole } from './param-roles.ts';
import type { Model, ModelFormat, Param, ParamRole } from './types.ts';

/** Every {@link ModelFormat}: the list the type is derived from. */
export const MODEL_FORMATS = ['tfjs-layers', 'tfjs-graph', 'safetensors', 'checkpoint', 'onnx'] as const;

/** A param as given to {@link createModel}: `shape` may be left out (its encoding's shape is used). */
export interface ParamInit {
  readonly name: string;
  readonly role: ParamRole;
  readonly value: Encoding;
  readonly shape?: readonly number[];
  readonly layer?: string;
}

/** What {@link createModel} is given. */
export interface ModelInit {
  readonly format: ModelFormat;
  readonly topology?: unknown;
  /** Params in order: an array, any iterable, or the `params` map of another model. */
  readonly params: Iterable<ParamInit> | ReadonlyMap<string, ParamInit>;
}

/**
 * Builds a validated {@link Model}: params keyed by name in the order given, each with a known
 * role, a valid encoding, and a shape equal to the shape its encoding decodes to. The topology is
 * kept verbatim. Tensor data is shared, not copied.
 *
 * Throws an `invalid-model` WhittleError naming the field (`params[3].shape`) for a duplicate
 * name, an unknown role or format, or a shape that disagrees with the encoding; an encoding that
 * is malformed itself reports `invalid-encoding` at `params[3].value…`.
 *
 * @example
 * ```ts
 * const model = createModel({
 *   format: 'checkpoint',
 *   params: [{ name: 'w', role: 'linear-weight', value: denseEncoding(hostTensor('float32', [2, 3])) }],
 * });
 * model.params.get('w')?.shape; // [2, 3]
 * ```
 */
export function createModel(init: ModelInit): Model {
  if (typeof init !== 'object' || init === null || Array.isArray(init)) {
    fail(`expected a model object, got ${describeValue(init)}`, 'model');
  }
  const { format, topology } = init as { format?: unknown; topology?: unknown };
  if (typeof format !== 'string' || !(MODEL_FORMATS as readonly string[]).includes(format)) {
    fail(`format must be one of ${MODEL_FORMATS.join(', ')}; got ${describeValue(format)}`, 'format');
  }
  const params = new Map<string, Param>();
  let index = 0;
  for (const value of iterateParams((init as { params?: unknown }).params)) {
    const param = readParam(value, `params[${index}]`);
    if (params.has(param.name)) fail(`duplicate param name ${describeValue(param.name)}`, `params[${index}].name`);
    params.set(param.name, param);
    index++;
  }
  return { format: format as ModelFormat, topology: topology ?? null, params };
}

function iterateParams(params: unknown): Iterable<unknown> {
  if (params instanceof Map) return params.values();
  if (Array.isArray(params)) return params;
  // Strings are iterable too, but never a list of params.
  if (typeof params === 'object' && params !== null && Symbol.iterator in params) {
    return params as Iterable<unknown>;
  }
  fail(`params must be an array or iterable of params, got ${describeValue(params)}`, 'params');
}

function readParam(value: unknown, field: string): Param {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(`expected a param object, got ${describeValue(value)}`, field);
  }
  const candidate = value as Record<string, unknown>;
  const { name, role, layer } = candidate;
  if (typeof name !== 'string' || name.length === 0) {
    fail(`a param needs a non-empty string name, got ${describeValue(name)}`, `${field}.name`);
  }
  if (!isParamRole(role)) fail(`unknown role ${describeValue(role)}`, `${field}.role`);
  if (layer !== undefined && typeof layer !== 'string') {
    fail(`layer must be a string, got ${describeValue(layer)}`, `${field}.layer`);
  }
  const encoding = validateEncoding(candidate.value, { field: `${field}.value` });
  const decodedShape = encodingShape(encoding);
  let shape: readonly number[] = decodedShape;
  if (candidate.shape !== undefined) {
    shape = readShape(candidate.shape, `${field}.shape`);
    if (!shapesEqual(shape, decodedShape)) {
      fail(
        `shape [${shape.join(', ')}] differs from its encoding's shape [${decodedShape.join(', ')}]`,
        `${field}.shape`,
      );
    }
  }
  const param: Param = { name, role, shape: [...shape], value: encoding };
  return layer === undefined ? param : { ...param, layer };
}

function readShape(value: unknown, field: string): readonly number[] {
  if (!Array.isArray(value)) fail(`shape must be an array of integers, got ${describeValue(value)}`, field);
  for (const [axis, dimension] of value.entries()) {
    if (typeof dimension !== 'number' || !Number.isSafeInteger(dimension) || dimension < 0) {
      fail(`dimension ${axis} must be a non-negative integer, got ${describeValue(dimension)}`, field);
    }
  }
  return value as readonly number[];
}

function fail(message: string, field: string): never {
  throw new WhittleError('invalid-model', message, { field });
}
