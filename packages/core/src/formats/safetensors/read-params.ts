/**
 * Reading whittle params (and whole models) from a safetensors file, one param at a time:
 * plain tensors become dense params, component tensors are reassembled into their encodings.
 */
import { assembleEncoding } from '../../encoding/serialize.ts';
import { denseEncoding } from '../../encoding/dense.ts';
import { WhittleError } from '../../errors.ts';
import { createModel } from '../../model/create-model.ts';
import type { Model, Param, ParamRole } from '../../model/types.ts';
import type { ByteSource } from '../byte-source.ts';
import { safetensorsRoleAt } from './header-columns.ts';
import { readSafetensorsHeader, type SafetensorsHeader } from './header.ts';
import { asMalformed } from './malformed.ts';
import { SAFETENSORS_COMPONENT_SEPARATOR, headerField, safetensorsEncodingKey, metadataField } from './naming.ts';
import { readAhead } from './read-ahead.ts';
import { findTensor, readTableTensor, readTensorBytes, tableTensor } from './read-tensor.ts';
import type { HostTensor } from '../../tensor/host-tensor.ts';

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
  const index = header.columns.indexOf(name);
  if (index < 0) {
    throw new WhittleError('invalid-argument', `the file has no param ${JSON.stringify(name)}`, {
      file: header.file,
      field: 'name',
    });
  }
  return readSafetensorsParamAt(source, header, index);
}

/**
 * Reads param `index` (in file order) of `header`: {@link readSafetensorsParam} without a name
 * lookup, for code that visits every param.
 *
 * @example
 * ```ts
 * const first = await readSafetensorsParamAt(source, header, 0);
 * ```
 */
export async function readSafetensorsParamAt(source: ByteSource, header: SafetensorsHeader, index: number): Promise<Param> {
  const { columns } = header;
  const name = columns.name(index);
  const role = safetensorsRoleAt(header, index);
  const plain = columns.plainTensor(index);
  if (plain >= 0) return plainParam(header, index, await readTableTensor(source, header, plain));
  const info = columns.info(index);
  const buffers = new Map<string, Uint8Array>();
  for (const tensorName of info.tensors) {
    // Component names are `<param>#<buffer>`; the metadata refers to them by `<buffer>`.
    buffers.set(
      tensorName.slice(name.length + SAFETENSORS_COMPONENT_SEPARATOR.length),
      await readTensorBytes(source, header, findTensor(header, tensorName))
    );
  }
  try {
    const value = assembleEncoding(info.encoding!, buffers);
    return { name, role, shape: [...info.shape], value };
  } catch (error) {
    throw asMalformed(error, header.file, metadataField(safetensorsEncodingKey(name)));
  }
}

/**
 * Plain param `index` of `header`, read from `bytes` (its tensor's bytes), or undefined for an
 * encoded param: {@link readSafetensorsParamAt} for a caller that holds the bytes already.
 *
 * @example
 * ```ts
 * const param = plainSafetensorsParamAt(header, 0, bytes);
 * ```
 */
export function plainSafetensorsParamAt(header: SafetensorsHeader, index: number, bytes: Uint8Array): Param | undefined {
  const plain = header.columns.plainTensor(index);
  return plain < 0 ? undefined : plainParam(header, index, tableTensor(header, plain, bytes));
}

/**
 * A plain tensor as a dense param. Its dtype, shape and byte length were checked with the header
 * and its data made as the dtype's typed array of that length, which is all a dense encoding's
 * check asks of a float or integer tensor; only a bool tensor's bytes are checked again (0 or 1).
 */
function plainParam(header: SafetensorsHeader, index: number, tensor: HostTensor): Param {
  const name = header.columns.name(index);
  const role = safetensorsRoleAt(header, index);
  if (tensor.dtype !== 'bool') return { name, role, shape: tensor.shape, value: { kind: 'dense', tensor: { dtype: tensor.dtype, shape: [...tensor.shape], data: tensor.data } as HostTensor } };
  try {
    return { name, role, shape: [...tensor.shape], value: denseEncoding(tensor) };
  } catch (error) {
    // The data check (a BOOL byte other than 0 or 1) knows the element, not the file.
    throw asMalformed(error, header.file, headerField(name));
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
  for (let index = 0; index < checked.columns.count; index++) yield await readSafetensorsParamAt(ahead, checked, index);
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

/**
 * The roles of a header's params (see `inferRoles`), inferred once per header and cached: roles
 * need every sibling's name (BatchNorm modules), and a header may hold a million of them. A map
 * of every param: code visiting a large header reads `safetensorsRoleAt` instead.
 *
 * @example
 * ```ts
 * safetensorsHeaderRoles(header).get('fc.weight'); // 'linear-weight'
 * ```
 */
export function safetensorsHeaderRoles(header: SafetensorsHeader): Map<string, ParamRole> {
  const roles = new Map<string, ParamRole>();
  for (let index = 0; index < header.columns.count; index++) roles.set(header.columns.name(index), safetensorsRoleAt(header, index));
  return roles;
}
