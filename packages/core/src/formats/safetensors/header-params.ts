/**
 * Reading whittle's params out of a checked header: plain tensors are dense params, and each
 * `__metadata__["whittle:<param>"]` entry claims the component tensors it references (see
 * naming.ts). Internal to the safetensors folder.
 */
import { isDType } from '../../tensor/dtype.ts';
import { describeShape } from '../../tensor/shape-limits.ts';
import { describe, shapesEqual } from '../../tensor/shape.ts';
import { bufferReferences } from './buffer-references.ts';
import { toSafetensorsDType } from './dtypes.ts';
import { checkedShapeSize, malformed } from './malformed.ts';
import { safetensorsComponentName, SAFETENSORS_ENCODING_PREFIX, metadataField, setEntry } from './naming.ts';
import { parseStrictJson } from './strict-json.ts';
import type { SafetensorsTensorInfo } from './tensor-entries.ts';

/** A param as the header describes it, before any of its bytes are read. */
export interface SafetensorsParamInfo {
  readonly name: string;
  /** The shape it decodes to. */
  readonly shape: readonly number[];
  /** The tensors holding it, in file order: its own name when plain, its components when encoded. */
  readonly tensors: readonly string[];
  /** Bytes of its tensors in the file. */
  readonly byteLength: number;
  /**
   * whittle's encoding metadata, buffer names relative to the param, for an encoded param. Its
   * buffer references are checked against the header here; the rest is checked by
   * `assembleEncoding` when the param is read.
   */
  readonly encoding?: Readonly<Record<string, unknown>>;
}

/** Params in file order, and the metadata entries that are not whittle's. */
export interface HeaderParams {
  readonly params: Map<string, SafetensorsParamInfo>;
  readonly metadata: Record<string, string>;
}

/**
 * Splits `__metadata__` into whittle's encodings and the user's entries, and lists the params.
 * `tensors` is in file order.
 *
 * @example
 * ```ts
 * const { params, metadata } = readHeaderParams(tensors, { format: 'pt' }, 'model.safetensors');
 * ```
 */
export function readHeaderParams(
  tensors: ReadonlyMap<string, SafetensorsTensorInfo>,
  entries: Readonly<Record<string, string>>,
  file: string
): HeaderParams {
  const metadata: Record<string, string> = {};
  const encoded = new Map<string, { shape: number[]; encoding: Record<string, unknown> }>();
  const owner = new Map<string, string>();
  for (const [key, value] of Object.entries(entries)) {
    if (!key.startsWith(SAFETENSORS_ENCODING_PREFIX)) {
      setEntry(metadata, key, value);
      continue;
    }
    const name = key.slice(SAFETENSORS_ENCODING_PREFIX.length);
    if (name.length === 0) malformed(file, metadataField(key), 'an encoded param needs a name after "whittle:"');
    const encoding = readEncodingEntry(key, value, file);
    const references = bufferReferences(encoding, (message, path) =>
      malformed(file, metadataField(key, path), message)
    );
    if (references.length === 0) malformed(file, metadataField(key), 'the encoding references no tensors');
    for (const reference of references) {
      const field = metadataField(key, reference.path);
      // A component's buffer is named by its place in the encoding (`codes`, `values.codes`), as
      // `encodingParts` names it; any other name would pair it with the wrong bytes.
      if (reference.buffer !== reference.path) {
        malformed(
          file,
          `${field}.buffer`,
          `buffer must be ${JSON.stringify(reference.path)}, the name of this component, got ${JSON.stringify(reference.buffer)}`
        );
      }
      const tensorName = safetensorsComponentName(name, reference.buffer);
      const tensor = tensors.get(tensorName);
      if (tensor === undefined) malformed(file, field, `tensor ${JSON.stringify(tensorName)} is missing`);
      if (owner.has(tensorName)) malformed(file, field, `tensor ${JSON.stringify(tensorName)} is referenced twice`);
      if (!isDType(reference.dtype) || toSafetensorsDType(reference.dtype) !== tensor.dtype) {
        malformed(
          file,
          `${field}.dtype`,
          `dtype ${describe(reference.dtype)} does not match the tensor's ${tensor.dtype}`
        );
      }
      if (!Array.isArray(reference.shape) || !shapesEqual(reference.shape as number[], tensor.shape)) {
        malformed(
          file,
          `${field}.shape`,
          `shape ${describe(reference.shape)} does not match the tensor's ${describeShape(tensor.shape)}`
        );
      }
      owner.set(tensorName, name);
    }
    checkedShapeSize(encoding.shape, file, metadataField(key, 'shape'));
    encoded.set(name, { shape: [...(encoding.shape as number[])], encoding });
  }
  for (const name of encoded.keys()) {
    // A param named like a tensor another param claims would make two params of one name.
    if (tensors.has(name) && !owner.has(name)) {
      malformed(
        file,
        metadataField(`${SAFETENSORS_ENCODING_PREFIX}${name}`),
        `param ${JSON.stringify(name)} is also a plain tensor`
      );
    }
  }
  return { params: listParams(tensors, encoded, owner), metadata };
}

function readEncodingEntry(key: string, value: string, file: string): Record<string, unknown> {
  const parsed = parseStrictJson(value);
  if ('kind' in parsed) {
    const message =
      parsed.kind === 'syntax'
        ? `the encoding is not JSON (${parsed.message})`
        : parsed.kind === 'too-deep'
        ? 'the encoding nests too deep'
        : `the encoding repeats the key ${JSON.stringify(parsed.key)}`;
    malformed(file, metadataField(key), message);
  }
  const encoding = parsed.value;
  if (typeof encoding !== 'object' || encoding === null || Array.isArray(encoding)) {
    malformed(file, metadataField(key), `expected an encoding object, got ${describe(encoding)}`);
  }
  const record = encoding as Record<string, unknown>;
  if (typeof record.kind !== 'string')
    malformed(file, metadataField(key, 'kind'), `expected a kind, got ${describe(record.kind)}`);
  return record;
}

function listParams(
  tensors: ReadonlyMap<string, SafetensorsTensorInfo>,
  encoded: ReadonlyMap<string, { shape: number[]; encoding: Record<string, unknown> }>,
  owner: ReadonlyMap<string, string>
): Map<string, SafetensorsParamInfo> {
  const members = new Map<string, SafetensorsTensorInfo[]>();
  const params = new Map<string, SafetensorsParamInfo>();
  for (const tensor of tensors.values()) {
    const name = owner.get(tensor.name);
    if (name === undefined) {
      // A plain tensor is a param of its own: no grouping (a header may list a million).
      const byteLength = tensor.dataOffsets[1] - tensor.dataOffsets[0];
      params.set(tensor.name, { name: tensor.name, shape: tensor.shape, tensors: [tensor.name], byteLength });
      continue;
    }
    const list = members.get(name);
    if (list === undefined) {
      members.set(name, [tensor]);
      // Holds the param's place in file order; filled in below.
      params.set(name, undefined as unknown as SafetensorsParamInfo);
    } else list.push(tensor);
  }
  for (const [name, list] of members) {
    const byteLength = list.reduce((total, tensor) => total + tensor.dataOffsets[1] - tensor.dataOffsets[0], 0);
    const entry = encoded.get(name)!;
    params.set(name, {
      name,
      shape: entry.shape,
      tensors: list.map((tensor) => tensor.name),
      byteLength,
      encoding: entry.encoding,
    });
  }
  return params;
}
