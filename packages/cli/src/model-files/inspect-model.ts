import {
  WhittleError,
  describeEncoding,
  isWhittleError,
  listParams,
  type ModelFormat,
  type ParamRole,
} from '@whittle/core';
import { type SafetensorsDType, safetensorsRoleAt, toWhittleDType } from '@whittle/core/safetensors';
import { openSafetensorsFile, readTfjsModelFile, type SafetensorsFile } from '@whittle/core/fs';
import { formatOf, type ModelLocation } from './model-format.ts';

/** How core starts a header error for bytes that cannot be safetensors at all. */
const NOT_SAFETENSORS = 'not a safetensors file: ';

/**
 * Opens a safetensors file given as a model; when its bytes cannot be safetensors at all (a
 * TFJS weight shard, a text file), the error says what to pass instead.
 *
 * @example
 * ```ts
 * const file = await openSafetensorsModel('model.safetensors');
 * ```
 */
export async function openSafetensorsModel(path: string): Promise<SafetensorsFile> {
  try {
    return await openSafetensorsFile(path);
  } catch (error) {
    throw notAModel(error, path);
  }
}

/**
 * `error` reworded when it says the bytes at `path` cannot be safetensors at all: the user gave
 * a file that is no model (a TFJS weight shard), so say what to give instead. Anything else is
 * returned as it is.
 *
 * @example
 * ```ts
 * try { await transformSafetensorsFile(input, output, transform); } catch (error) { throw notAModel(error, input); }
 * ```
 */
export function notAModel(error: unknown, path: string): unknown {
  if (!isWhittleError(error, 'malformed-file') || !error.detail.startsWith(NOT_SAFETENSORS)) return error;
  const reason = error.detail.slice(NOT_SAFETENSORS.length);
  return new WhittleError(
    'invalid-argument',
    `neither a safetensors file nor a model.json (${reason}); give a .safetensors file, a model.json, or the directory holding one`,
    { file: path },
    { cause: error },
  );
}

/** One param as `whittle inspect` lists it. */
export interface InspectedTensor {
  readonly name: string;
  readonly role: ParamRole;
  readonly shape: readonly number[];
  /** How it is stored: `dense float32`, `affine uint8 per-tensor`… */
  readonly encoding: string;
  /** Elements of the logical tensor. */
  readonly params: number;
  /** Bytes of its stored form. */
  readonly bytes: number;
}

/** What `whittle inspect --json` prints. */
export interface InspectReport {
  readonly format: ModelFormat;
  readonly params: number;
  readonly bytes: number;
  readonly tensors: readonly InspectedTensor[];
}

/**
 * An {@link InspectReport} whose rows are made as they are read, in order: a safetensors file
 * may list a million tensors, which need not be held as a million objects.
 */
export interface InspectListing {
  readonly format: ModelFormat;
  readonly params: number;
  readonly bytes: number;
  readonly tensorCount: number;
  /** The rows, in file order, made afresh on each call. */
  tensors(): Iterable<InspectedTensor>;
  /** Lines a format adds after the table (an ONNX model's ops and quantizable MatMuls). */
  readonly details?: readonly string[];
}

/**
 * A listing of the rows of a report held whole.
 *
 * @example
 * ```ts
 * const listing = listingOf({ format: 'tfjs', params: 0, bytes: 0, tensors: [] });
 * ```
 */
export function listingOf(report: InspectReport): InspectListing {
  return { format: report.format, params: report.params, bytes: report.bytes, tensorCount: report.tensors.length, tensors: () => report.tensors };
}

/**
 * Lists a model's params with their role, shape, encoding, element count and bytes, and the
 * totals. A TFJS model is read whole (encodings are described from the decoded manifest); a
 * safetensors file is described from its header alone, whatever its size: roles are inferred
 * from names and shapes, encodings from whittle's metadata entries, bytes from the offsets.
 *
 * @example
 * ```ts
 * const listing = await inspectModel(await locateModel('model.safetensors'));
 * console.log(listing.params, listing.bytes);
 * ```
 */
export async function inspectModel(location: ModelLocation): Promise<InspectListing> {
  return formatOf(location).inspect(location);
}

/**
 * The listing of a TFJS model (read whole).
 *
 * @example
 * ```ts
 * const listing = await inspectTfjs('model/model.json');
 * ```
 */
export async function inspectTfjs(modelJson: string): Promise<InspectListing> {
  const model = await readTfjsModelFile(modelJson);
  const rows = listParams(model).map(({ name, role, shape, encoding, params, bytes }) => ({ name, role, shape: [...shape], encoding, params, bytes }));
  return listingOf({
    format: model.format,
    params: rows.reduce((total, row) => total + row.params, 0),
    bytes: rows.reduce((total, row) => total + row.bytes, 0),
    tensors: rows,
  });
}

/** `dense <dtype>` per dtype, made once: a million rows share a handful of names. */
const DENSE_NAMES = new Map<string | undefined, string>();

function denseName(dtype: SafetensorsDType | undefined): string {
  let name = DENSE_NAMES.get(dtype);
  if (name === undefined) {
    name = `dense ${dtype === undefined ? '?' : (toWhittleDType(dtype) ?? dtype)}`;
    DENSE_NAMES.set(dtype, name);
  }
  return name;
}

/**
 * The listing of a safetensors file, from its header alone (held in columns; each row is made
 * when the listing is read).
 *
 * @example
 * ```ts
 * const listing = await inspectSafetensors('model.safetensors');
 * ```
 */
export async function inspectSafetensors(path: string): Promise<InspectListing> {
  const file = await openSafetensorsModel(path);
  await file.close();
  const { header } = file;
  const { columns } = header;
  let params = 0;
  let bytes = 0;
  for (let index = 0; index < columns.count; index++) {
    params += columns.elements(index);
    bytes += columns.byteLength(index);
  }
  function* tensors(): Generator<InspectedTensor> {
    for (let index = 0; index < columns.count; index++) {
      const encoding = columns.encoding(index);
      const plain = columns.plainTensor(index);
      yield {
        name: columns.name(index),
        role: safetensorsRoleAt(header, index),
        shape: columns.shape(index),
        // A plain tensor's dtype may be one whittle cannot hold (I64, F8…): show the file's name for it.
        encoding: encoding !== undefined ? describeEncoding(encoding) : denseName(plain >= 0 ? columns.tensors.dtype(plain) : undefined),
        params: columns.elements(index),
        bytes: columns.byteLength(index),
      };
    }
  }
  return { format: 'safetensors', params, bytes, tensorCount: columns.count, tensors };
}
