import { WhittleError, describeEncoding, type SafetensorsDType, isWhittleError, safetensorsHeaderRoles, listParams, toWhittleDType, type ModelFormat, type ParamRole } from '@whittle/core';
import { openSafetensorsFile, readTfjsModelFile, type SafetensorsFile } from '@whittle/core/fs';
import type { ModelLocation } from './model-location.ts';

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
 * Lists a model's params with their role, shape, encoding, element count and bytes, and the
 * totals. A TFJS model is read whole (encodings are described from the decoded manifest); a
 * safetensors file is described from its header alone, whatever its size: roles are inferred
 * from names and shapes, encodings from whittle's metadata entries, bytes from the offsets.
 *
 * @example
 * ```ts
 * const report = await inspectModel(await locateModel('model.safetensors'));
 * console.log(report.params, report.bytes);
 * ```
 */
export async function inspectModel(location: ModelLocation): Promise<InspectReport> {
  const tensors = location.format === 'tfjs' ? await inspectTfjs(location.modelJson) : await inspectSafetensors(location.path);
  return {
    format: tensors.format,
    params: tensors.rows.reduce((total, row) => total + row.params, 0),
    bytes: tensors.rows.reduce((total, row) => total + row.bytes, 0),
    tensors: tensors.rows,
  };
}

async function inspectTfjs(modelJson: string): Promise<{ format: ModelFormat; rows: InspectedTensor[] }> {
  const model = await readTfjsModelFile(modelJson);
  const rows = listParams(model).map(({ name, role, shape, encoding, params, bytes }) => ({ name, role, shape: [...shape], encoding, params, bytes }));
  return { format: model.format, rows };
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

async function inspectSafetensors(path: string): Promise<{ format: ModelFormat; rows: InspectedTensor[] }> {
  const file = await openSafetensorsModel(path);
  try {
    const { header } = file;
    const roles = safetensorsHeaderRoles(header);
    const rows = Array.from(header.params.values(), (param): InspectedTensor => {
      const tensor = header.tensors.get(param.name);
      // A plain tensor's dtype may be one whittle cannot hold (I64, F8…): show the file's name for it.
      const encoding = param.encoding !== undefined ? describeEncoding(param.encoding) : denseName(tensor?.dtype);
      return {
        name: param.name,
        role: roles.get(param.name) ?? 'other',
        // The header's own array, not a copy: nothing changes it, and a header may list a million.
        shape: param.shape,
        encoding,
        params: param.shape.reduce((product, dimension) => product * dimension, 1),
        bytes: param.byteLength,
      };
    });
    return { format: 'safetensors', rows };
  } finally {
    await file.close();
  }
}
