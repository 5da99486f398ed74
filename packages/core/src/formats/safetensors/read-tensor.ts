/** Reading one tensor of a safetensors file: only its own byte range is read. */
import { HOST_IS_LITTLE_ENDIAN, fromLittleEndianBytes, type TypedArrayType } from '../../encoding/byte-order.ts';
import { WhittleError } from '../../errors.ts';
import { typedArrayConstructor, type DType, type HostTypedArray } from '../../tensor/dtype.ts';
import type { HostTensor } from '../../tensor/host-tensor.ts';
import type { ByteSource } from '../byte-source.ts';
import { READABLE_SAFETENSORS_DTYPES, toWhittleDType } from './dtypes.ts';
import { readExactly, type SafetensorsHeader } from './header.ts';
import { isReadAheadWindow } from './read-ahead.ts';
import { malformed } from './malformed.ts';
import { headerField } from './naming.ts';
import type { SafetensorsTensorInfo } from './tensor-entries.ts';

/**
 * Reads tensor `name` (a plain param or one component of an encoding) from `source`, reading
 * only its bytes. Throws `invalid-argument` for a name the header lacks and `malformed-file` for
 * a dtype whittle cannot hold (I64, U32, U64, C64, F8, F6, F4).
 *
 * @example
 * ```ts
 * const header = await readSafetensorsHeader(source);
 * const bias = await readSafetensorsTensor(source, header, 'fc.bias'); // { dtype: 'float32', shape: [4], data }
 * ```
 */
export async function readSafetensorsTensor(
  source: ByteSource,
  header: SafetensorsHeader,
  name: string
): Promise<HostTensor> {
  const info = findTensor(header, name);
  const dtype = readableDType(info, header.file);
  const bytes = await readTensorBytes(source, header, info);
  return { dtype, shape: [...info.shape], data: tensorData(bytes, dtype) } as HostTensor;
}

/**
 * Reads tensor `index` (in file order) of `header`: {@link readSafetensorsTensor} without a name
 * lookup or an entry object, unless its dtype is one whittle cannot hold.
 *
 * @example
 * ```ts
 * const first = await readTableTensor(source, header, 0);
 * ```
 */
export async function readTableTensor(source: ByteSource, header: SafetensorsHeader, index: number): Promise<HostTensor> {
  const table = header.columns.tensors;
  const dtype = toWhittleDType(table.dtype(index)) ?? readableDType(table.info(index), header.file);
  const begin = table.begin(index);
  const bytes = await readExactly(source, header.dataOffset + begin, table.end(index) - begin);
  return { dtype, shape: table.shape(index), data: tensorData(bytes, dtype) } as HostTensor;
}

/**
 * Tensor `index` of `header` from its bytes, already read (`end - begin` of them, as the header
 * checked against its dtype and shape): {@link readTableTensor} for a caller that holds them.
 *
 * @example
 * ```ts
 * const tensor = tableTensor(header, 0, bytes);
 * ```
 */
export function tableTensor(header: SafetensorsHeader, index: number, bytes: Uint8Array): HostTensor {
  const table = header.columns.tensors;
  const dtype = toWhittleDType(table.dtype(index)) ?? readableDType(table.info(index), header.file);
  return { dtype, shape: table.shape(index), data: tensorData(bytes, dtype) } as HostTensor;
}

/**
 * The header entry of tensor `name`, or an `invalid-argument` error.
 *
 * @example
 * ```ts
 * findTensor(header, 'fc.weight#codes').dataOffsets; // [0, 96]
 * ```
 */
export function findTensor(header: SafetensorsHeader, name: string): SafetensorsTensorInfo {
  const info = header.tensors.get(name);
  if (info === undefined) {
    throw new WhittleError('invalid-argument', `the file has no tensor ${JSON.stringify(name)}`, {
      file: header.file,
      field: 'name',
    });
  }
  return info;
}

/**
 * The raw little-endian bytes of one tensor.
 *
 * @example
 * ```ts
 * const codes = await readTensorBytes(source, header, findTensor(header, 'fc.weight#codes'));
 * ```
 */
export async function readTensorBytes(
  source: ByteSource,
  header: SafetensorsHeader,
  info: SafetensorsTensorInfo
): Promise<Uint8Array> {
  const [begin, end] = info.dataOffsets;
  return readExactly(source, header.dataOffset + begin, end - begin);
}

function readableDType(info: SafetensorsTensorInfo, file: string): DType {
  const dtype = toWhittleDType(info.dtype);
  if (dtype === undefined) {
    malformed(
      file,
      headerField(info.name, 'dtype'),
      `whittle cannot hold ${info.dtype} tensors; it reads ${READABLE_SAFETENSORS_DTYPES.join(', ')}`
    );
  }
  return dtype;
}

function tensorData(bytes: Uint8Array, dtype: DType): HostTypedArray {
  const type = typedArrayConstructor(dtype) as unknown as TypedArrayType<HostTypedArray>;
  // A source that returns a fresh buffer holding exactly these bytes (a file source) hands it
  // over: view it instead of copying, which would double the peak memory of a large tensor.
  const owned =
    bytes.byteOffset === 0 && bytes.buffer instanceof ArrayBuffer && bytes.byteLength === bytes.buffer.byteLength;
  if (owned && HOST_IS_LITTLE_ENDIAN) return new type(bytes.buffer as ArrayBuffer);
  // A small tensor served from a read-ahead window (never rewritten: see readAhead) is viewed in
  // place when aligned: a million tiny tensors would otherwise cost a million buffers to collect.
  if (HOST_IS_LITTLE_ENDIAN && isReadAheadWindow(bytes) && bytes.byteOffset % type.BYTES_PER_ELEMENT === 0) {
    const view = type as unknown as new (buffer: ArrayBuffer, byteOffset: number, length: number) => HostTypedArray;
    return new view(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength / type.BYTES_PER_ELEMENT);
  }
  return fromLittleEndianBytes(bytes, type);
}

/**
 * Rows `[start, start + count)` along axis 0 of plain tensor `name`, reading only their bytes:
 * how a tensor too large to hold whole is read a block at a time.
 *
 * @example
 * ```ts
 * const block = await readSafetensorsRows(source, header, 'lm_head.weight', 0, 1024); // shape [1024, 4096]
 * ```
 */
export async function readSafetensorsRows(
  source: ByteSource,
  header: SafetensorsHeader,
  name: string,
  start: number,
  count: number
): Promise<HostTensor> {
  const info = findTensor(header, name);
  const dtype = readableDType(info, header.file);
  const [rows = 1, ...rest] = info.shape;
  if (info.shape.length === 0 || rows === 0 || !Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || count < 0 || start + count > rows) {
    throw new WhittleError('invalid-argument', `rows [${start}, ${start + count}) are not rows of tensor ${JSON.stringify(name)}`, {
      file: header.file,
      field: 'rows',
    });
  }
  const rowBytes = (info.dataOffsets[1] - info.dataOffsets[0]) / rows;
  const bytes = await readExactly(source, header.dataOffset + info.dataOffsets[0] + start * rowBytes, count * rowBytes);
  return { dtype, shape: [count, ...rest], data: tensorData(bytes, dtype) } as HostTensor;
}
