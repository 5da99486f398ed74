import { denseEncoding } from '../encoding/index.ts';
import { WhittleError } from '../errors.ts';
import { validateHostTensor, type HostTensor } from '../tensor/host-tensor.ts';
import { describeValue } from '../tensor/shape.ts';
import { createModel, type ParamInit } from './create-model.ts';
import { inferRoles } from './infer-role.ts';
import { lookupKerasRole, rolesFromKerasTopology } from './keras-roles.ts';
import type { Model, ModelFormat } from './types.ts';

/** Options of {@link modelFromTensors}. */
export interface ModelFromTensorsOptions {
  /** Defaults to `tfjs-layers` when a topology is given, else `checkpoint`. */
  readonly format?: ModelFormat;
  /** A Keras / tfjs-layers topology to read roles from; kept verbatim in the model. */
  readonly topology?: unknown;
}

/**
 * Builds a model of dense params from named tensors, in the order given. Roles come from the
 * Keras topology when one is given for a `tfjs-layers` model (see `rolesFromKerasTopology`), else
 * from names and shapes (see `inferRoles`). Tensors are stored as they are, data shared, not copied.
 *
 * @example
 * ```ts
 * const model = modelFromTensors({
 *   'fc.weight': hostTensor('float32', [4, 8]),
 *   'fc.bias': hostTensor('float32', [4]),
 * });
 * model.params.get('fc.weight')?.role; // 'linear-weight'
 * ```
 */
export function modelFromTensors(
  tensors: Readonly<Record<string, HostTensor>> | Iterable<readonly [string, HostTensor]>,
  options: ModelFromTensorsOptions = {},
): Model {
  const entries = readEntries(tensors);
  const { topology } = options;
  const hasTopology = topology !== undefined && topology !== null;
  const format = options.format ?? (hasTopology ? 'tfjs-layers' : 'checkpoint');
  let params: ParamInit[];
  // Only a LayersModel's topology is Keras JSON; a GraphModel's graph names no roles.
  if (hasTopology && format === 'tfjs-layers') {
    const roles = rolesFromKerasTopology(topology);
    params = entries.map(([name, tensor]) => {
      const { role, layer } = lookupKerasRole(roles, name);
      return { name, role, layer, value: denseEncoding(tensor) };
    });
  } else {
    const roles = inferRoles(entries.map(([name, tensor]) => [name, tensor.shape] as const));
    params = entries.map(([name, tensor]) => ({ name, role: roles.get(name) ?? 'other', value: denseEncoding(tensor) }));
  }
  return createModel({ format, topology: hasTopology ? topology : null, params });
}

function readEntries(
  tensors: Readonly<Record<string, HostTensor>> | Iterable<readonly [string, HostTensor]>,
): Array<readonly [string, HostTensor]> {
  if (typeof tensors !== 'object' || tensors === null) {
    throw new WhittleError('invalid-argument', `expected named tensors, got ${describeValue(tensors)}`, { field: 'tensors' });
  }
  const raw: unknown[] = Symbol.iterator in tensors ? [...(tensors as Iterable<unknown>)] : Object.entries(tensors);
  return raw.map((entry, index) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') {
      throw new WhittleError('invalid-argument', `expected a [name, tensor] pair, got ${describeValue(entry)}`, {
        field: `tensors[${index}]`,
      });
    }
    const name: string = entry[0];
    return [name, validateHostTensor(entry[1], { field: `tensors[${JSON.stringify(name)}]` })] as const;
  });
}
