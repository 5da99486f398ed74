/**
 * Reading whittle's params out of a checked header: plain tensors are dense params, and each
 * `__metadata__["whittle:<param>"]` entry claims the component tensors it references (see
 * naming.ts). Internal to the safetensors folder.
 */
import { isDType } from '../../tensor/dtype.ts';
import { describeShape } from '../../tensor/shape-limits.ts';
import { describeValue, shapesEqual } from '../../tensor/shape.ts';
import { bufferReferences } from './buffer-references.ts';
import { toSafetensorsDType } from './dtypes.ts';
import { checkedShapeSize, malformed } from './malformed.ts';
import { safetensorsComponentName, SAFETENSORS_ENCODING_PREFIX, metadataField, setEntry } from './naming.ts';
import { parseStrictJson } from './strict-json.ts';
import type { TensorTable } from './tensor-table.ts';

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
  readonly params: ParamTable;
  readonly metadata: Record<string, string>;
}

/**
 * A header's params in file order, by index: a plain tensor is a param of its own (nothing is
 * stored for it but its tensor's index), an encoded param is an object (there are few).
 */
export class ParamTable {
  readonly count: number;

  constructor(
    readonly tensors: TensorTable,
    /** Per param: its plain tensor's index, or -(k + 1) for `encoded[k]`. */
    private readonly tensorOf: Int32Array,
    /** Per tensor: the index of the plain param it is, or -1 for a component. */
    private readonly paramOf: Int32Array,
    private readonly encoded: readonly SafetensorsParamInfo[],
    private readonly encodedIndex: ReadonlyMap<string, number>,
  ) {
    this.count = tensorOf.length;
  }

  name(index: number): string {
    const tensor = this.tensorOf[index]!;
    return tensor >= 0 ? this.tensors.name(tensor) : this.encoded[-tensor - 1]!.name;
  }

  /** The plain tensor param `index` is, or -1 for an encoded param. */
  plainTensor(index: number): number {
    return Math.max(-1, this.tensorOf[index]!);
  }

  /** whittle's encoding metadata of param `index`, or undefined for a plain tensor. */
  encoding(index: number): Readonly<Record<string, unknown>> | undefined {
    const tensor = this.tensorOf[index]!;
    return tensor >= 0 ? undefined : this.encoded[-tensor - 1]!.encoding;
  }

  /** A fresh array of the shape param `index` decodes to. */
  shape(index: number): number[] {
    const tensor = this.tensorOf[index]!;
    return tensor >= 0 ? this.tensors.shape(tensor) : [...this.encoded[-tensor - 1]!.shape];
  }

  /** Rank of the shape param `index` decodes to (no array made). */
  rank(index: number): number {
    const tensor = this.tensorOf[index]!;
    return tensor >= 0 ? this.tensors.rank(tensor) : this.encoded[-tensor - 1]!.shape.length;
  }

  /** Elements of the tensor param `index` decodes to. */
  elements(index: number): number {
    const tensor = this.tensorOf[index]!;
    return tensor >= 0 ? this.tensors.elements(tensor) : this.encoded[-tensor - 1]!.shape.reduce((product, dimension) => product * dimension, 1);
  }

  /** Bytes of param `index`'s tensors in the file. */
  byteLength(index: number): number {
    const tensor = this.tensorOf[index]!;
    return tensor >= 0 ? this.tensors.end(tensor) - this.tensors.begin(tensor) : this.encoded[-tensor - 1]!.byteLength;
  }

  /** Param `index` as an object (made on each call for a plain tensor). */
  info(index: number): SafetensorsParamInfo {
    const tensor = this.tensorOf[index]!;
    if (tensor < 0) return this.encoded[-tensor - 1]!;
    const name = this.tensors.name(tensor);
    return { name, shape: this.tensors.shape(tensor), tensors: [name], byteLength: this.byteLength(index) };
  }

  /** The index of param `name`, or -1. */
  indexOf(name: string): number {
    const encoded = this.encodedIndex.get(name);
    if (encoded !== undefined) return encoded;
    const tensor = this.tensors.indexOf(name);
    return tensor < 0 ? -1 : this.paramOf[tensor]!;
  }
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
  tensors: TensorTable,
  entries: Readonly<Record<string, string>>,
  file: string
): HeaderParams {
  const metadata: Record<string, string> = {};
  const encoded = new Map<string, { shape: number[]; encoding: Record<string, unknown> }>();
  // Component tensor index → the param that claims it.
  const owner = new Map<number, string>();
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
      const index = tensors.indexOf(tensorName);
      if (index < 0) malformed(file, field, `tensor ${JSON.stringify(tensorName)} is missing`);
      if (owner.has(index)) malformed(file, field, `tensor ${JSON.stringify(tensorName)} is referenced twice`);
      const tensor = tensors.info(index);
      if (!isDType(reference.dtype) || toSafetensorsDType(reference.dtype) !== tensor.dtype) {
        malformed(
          file,
          `${field}.dtype`,
          `dtype ${describeValue(reference.dtype)} does not match the tensor's ${tensor.dtype}`
        );
      }
      if (!Array.isArray(reference.shape) || !shapesEqual(reference.shape as number[], tensor.shape)) {
        malformed(
          file,
          `${field}.shape`,
          `shape ${describeValue(reference.shape)} does not match the tensor's ${describeShape(tensor.shape)}`
        );
      }
      owner.set(index, name);
    }
    checkedShapeSize(encoding.shape, file, metadataField(key, 'shape'));
    encoded.set(name, { shape: [...(encoding.shape as number[])], encoding });
  }
  for (const name of encoded.keys()) {
    // A param named like a tensor another param claims would make two params of one name.
    const index = tensors.indexOf(name);
    if (index >= 0 && !owner.has(index)) {
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
    malformed(file, metadataField(key), `expected an encoding object, got ${describeValue(encoding)}`);
  }
  const record = encoding as Record<string, unknown>;
  if (typeof record.kind !== 'string')
    malformed(file, metadataField(key, 'kind'), `expected a kind, got ${describeValue(record.kind)}`);
  return record;
}

function listParams(
  tensors: TensorTable,
  encoded: ReadonlyMap<string, { shape: number[]; encoding: Record<string, unknown> }>,
  owner: ReadonlyMap<number, string>
): ParamTable {
  const tensorOf = new Int32Array(tensors.count - owner.size + encoded.size);
  const paramOf = new Int32Array(tensors.count).fill(-1);
  const members = new Map<string, number[]>();
  const encodedIndex = new Map<string, number>();
  const infos: SafetensorsParamInfo[] = [];
  let count = 0;
  for (let tensor = 0; tensor < tensors.count; tensor++) {
    const name = owner.get(tensor);
    if (name === undefined) {
      // A plain tensor is a param of its own: no object (a header may list a million).
      paramOf[tensor] = count;
      tensorOf[count++] = tensor;
      continue;
    }
    const list = members.get(name);
    if (list !== undefined) {
      list.push(tensor);
      continue;
    }
    // The param takes its first component's place in file order.
    members.set(name, [tensor]);
    encodedIndex.set(name, count);
    tensorOf[count++] = -(infos.length + 1);
    infos.push(undefined as unknown as SafetensorsParamInfo);
  }
  for (const [name, list] of members) {
    const byteLength = list.reduce((total, tensor) => total + tensors.end(tensor) - tensors.begin(tensor), 0);
    const entry = encoded.get(name)!;
    infos[-tensorOf[encodedIndex.get(name)!]! - 1] = {
      name,
      shape: entry.shape,
      tensors: list.map((tensor) => tensors.name(tensor)),
      byteLength,
      encoding: entry.encoding,
    };
  }
  return new ParamTable(tensors, tensorOf.subarray(0, count), paramOf, infos, encodedIndex);
}
