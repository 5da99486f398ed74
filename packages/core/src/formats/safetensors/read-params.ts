/**
 * Reading whittle params (and whole models) from a safetensors file, one param at a time:
 * plain tensors become dense params, component tensors are reassembled into their encodings.
 */
import { assembleEncoding } from '../../encoding/serialize.ts';
import { denseEncoding } from '../../encoding/dense.ts';
import { WhittleError } from '../../errors.ts';
import { createModel } from '../../model/create-model.ts';
import { inferRoles } from '../../model/infer-role.ts';
import type { Model, Param, ParamRole } from '../../model/types.ts';
import type { ByteSource } from '../byte-source.ts';
import { readSafetensorsHeader, type SafetensorsHeader } from './header.ts';
import { asMalformed } from './malformed.ts';
import { SAFETENSORS_COMPONENT_SEPARATOR, headerField, safetensorsEncodingKey, metadataField } from './naming.ts';
import { readAhead } from './read-ahead.ts';
import { findTensor, readSafetensorsTensor, readTensorBytes } from './read-tensor.ts';

/**
 * Reads param `name`: a plain tensor as a dense param, or an encoding assembled from its
 * component tensors (checked by `assembleEncoding`; a bad one is a `malformed-file` error). Reads
 * only that param's bytes. Its role is inferred from the names and shapes of the whole file.
 *
 * @example
 * ```ts
 * const param = await readSafetensorsParam(source, header, 'fc.weight');
 * param.value.kind; // 'affine'
 * ```
 */
export async function readSafetensorsParam(
  source: ByteSource,
  header: SafetensorsHeader,
  name: string
): Promise<Param> {
  const info = header.params.get(name);
  if (info === undefined) {
    throw new WhittleError('invalid-argument', `the file has no param ${JSON.stringify(name)}`, {
      file: header.file,
      field: 'name',
    });
  }
  const role = safetensorsHeaderRoles(header).get(name) ?? 'other';
  if (info.encoding === undefined) {
    const tensor = await readSafetensorsTensor(source, header, name);
    try {
      return { name, role, shape: [...tensor.shape], value: denseEncoding(tensor) };
    } catch (error) {
      // The data check (a BOOL byte other than 0 or 1) knows the element, not the file.
      throw asMalformed(error, header.file, headerField(name));
    }
  }
  const buffers = new Map<string, Uint8Array>();
  for (const tensorName of info.tensors) {
    // Component names are `<param>#<buffer>`; the metadata refers to them by `<buffer>`.
    buffers.set(
      tensorName.slice(name.length + SAFETENSORS_COMPONENT_SEPARATOR.length),
      await readTensorBytes(source, header, findTensor(header, tensorName))
    );
  }
  try {
    const value = assembleEncoding(info.encoding, buffers);
    return { name, role, shape: [...info.shape], value };
  } catch (error) {
    throw asMalformed(error, header.file, metadataField(safetensorsEncodingKey(name)));
  }
}

/**
 * The params of a safetensors file in file order, read one at a time, so a large checkpoint is
 * never held whole: each param is read when the loop asks for it and is garbage once dropped.
 *
 * @example
 * ```ts
 * for await (const param of iterateSafetensorsParams(source)) console.log(param.name, param.role);
 * ```
 */
export async function* iterateSafetensorsParams(source: ByteSource, header?: SafetensorsHeader): AsyncGenerator<Param> {
  const checked = header ?? (await readSafetensorsHeader(source));
  const ahead = readAhead(source);
  for (const name of checked.params.keys()) yield await readSafetensorsParam(ahead, checked, name);
}

/**
 * Reads a whole safetensors file as a {@link Model} of format `safetensors` (no topology; roles
 * inferred from names and shapes, see `inferRoles`).
 *
 * @example
 * ```ts
 * const model = await readSafetensorsModel(bytesSource(bytes, 'model.safetensors'));
 * model.params.get('fc.weight')?.role; // 'linear-weight'
 * ```
 */
export async function readSafetensorsModel(source: ByteSource): Promise<Model> {
  const params: Param[] = [];
  for await (const param of iterateSafetensorsParams(source)) params.push(param);
  return createModel({ format: 'safetensors', topology: null, params });
}

const ROLES = new WeakMap<SafetensorsHeader, Map<string, ParamRole>>();

/**
 * The roles of a header's params (see `inferRoles`), inferred once per header and cached: roles
 * need every sibling's name (BatchNorm modules), and a header may hold a million of them.
 *
 * @example
 * ```ts
 * safetensorsHeaderRoles(header).get('fc.weight'); // 'linear-weight'
 * ```
 */
export function safetensorsHeaderRoles(header: SafetensorsHeader): Map<string, ParamRole> {
  let roles = ROLES.get(header);
  if (roles === undefined) {
    roles = inferRoles([...header.params.values()].map((param) => [param.name, param.shape] as const));
    ROLES.set(header, roles);
  }
  return roles;
}
