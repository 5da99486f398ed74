/**
 * `--calibration <file>`: calibration data in a safetensors file, read batch by batch.
 */
import { WhittleError, type HostTensor } from '@whittle/core';
import { readSafetensorsHeader, readSafetensorsRows, type SafetensorsHeader } from '@whittle/core/safetensors';
import { fileSource } from '@whittle/core/fs';

/** The tensor name that marks a calibration file as model inputs (any other names are params). */
export const MODEL_INPUTS_TENSOR = 'inputs';

/** The most bytes of one batch read from a calibration file: memory holds about one batch. */
export const CALIBRATION_BATCH_BYTES = 4 * 1024 * 1024;

/** One batch of model inputs, as core's runner takes them. */
interface InputBatch {
  readonly inputs: HostTensor;
}

/**
 * What a calibration file holds, as GPTQ's `calibration` resource: model inputs (a re-readable
 * list of batches) when the file has a tensor named `inputs`, otherwise each layer's inputs by
 * param name (one re-readable stream of row blocks per tensor).
 */
export type CalibrationFileResource =
  | (() => AsyncGenerator<InputBatch>)
  | Readonly<Record<string, AsyncIterable<HostTensor>>>;

/**
 * Opens a calibration file and checks it before any model is read: a safetensors file whose
 * tensor `inputs` holds model inputs `[samples, ...input shape]` (a model with one input), or
 * whose tensors, each named after a param GPTQ quantizes, hold that layer's inputs
 * `[samples, in]`. Every tensor needs a sample axis with at least one sample. Rows are read
 * later, a batch of at most {@link CALIBRATION_BATCH_BYTES} at a time, each time the data is
 * read. Throws a one-line WhittleError naming the file (and the tensor) for anything else.
 *
 * @example
 * ```ts
 * const calibration = await readCalibrationFile('digits.safetensors');
 * await compress(model, [gptq({ bits: 4 })], { resources: { calibration } });
 * ```
 */
export async function readCalibrationFile(path: string): Promise<CalibrationFileResource> {
  const source = await fileSource(path);
  let header: SafetensorsHeader;
  try {
    header = await readSafetensorsHeader(source);
  } finally {
    await source.close();
  }
  if (header.tensors.size === 0) {
    throw new WhittleError('invalid-argument', `a calibration file needs a tensor "${MODEL_INPUTS_TENSOR}" (model inputs) or tensors named after params (layer inputs)`, { file: path });
  }
  for (const [name, info] of header.tensors) {
    if (info.shape.length === 0 || info.shape[0] === 0) {
      throw new WhittleError('invalid-argument', `calibration tensors need a first axis of samples, at least one; got shape [${info.shape.join(', ')}]`, { file: path, field: name });
    }
  }
  if (header.tensors.has(MODEL_INPUTS_TENSOR)) {
    if (header.tensors.size > 1) {
      const other = [...header.tensors.keys()].find((name) => name !== MODEL_INPUTS_TENSOR)!;
      throw new WhittleError('invalid-argument', `a file of model inputs holds the one tensor "${MODEL_INPUTS_TENSOR}"; remove ${JSON.stringify(other)}`, { file: path, field: other });
    }
    return () => rowBlocks(path, header, MODEL_INPUTS_TENSOR, (rows) => ({ inputs: rows }));
  }
  const layers: Record<string, AsyncIterable<HostTensor>> = {};
  for (const name of header.tensors.keys()) {
    Object.defineProperty(layers, name, {
      value: { [Symbol.asyncIterator]: () => rowBlocks(path, header, name, (rows) => rows) },
      enumerable: true,
    });
  }
  return layers;
}

/** Reads tensor `name` a block of rows at a time, opening the file for each pass. */
async function* rowBlocks<Value>(path: string, header: SafetensorsHeader, name: string, wrap: (rows: HostTensor) => Value): AsyncGenerator<Value> {
  const info = header.tensors.get(name)!;
  const samples = info.shape[0]!;
  const rowBytes = (info.dataOffsets[1] - info.dataOffsets[0]) / samples;
  const rowsPerBatch = Math.max(1, Math.floor(CALIBRATION_BATCH_BYTES / Math.max(1, rowBytes)));
  const source = await fileSource(path);
  try {
    // The file was checked when it was opened; a file changed since fails its own checks here.
    const current = await readSafetensorsHeader(source);
    for (let start = 0; start < samples; start += rowsPerBatch) {
      yield wrap(await readSafetensorsRows(source, current, name, start, Math.min(rowsPerBatch, samples - start)));
    }
  } finally {
    await source.close();
  }
}
