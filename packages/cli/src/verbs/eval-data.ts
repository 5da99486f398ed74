/**
 * The labelled examples `whittle eval` scores a classifier on: MNIST's held-out digits, or a
 * safetensors file of `inputs` and `labels`, read a batch at a time.
 */
import { WhittleError } from '@whittle/core';
import { fileSource } from '@whittle/core/fs';
import { readSafetensorsHeader, readSafetensorsRows, type SafetensorsHeader } from '@whittle/core/safetensors';
import { DEMO_CONFIG } from '../demo/demo-config.ts';
import { loadBench } from '../load-bench.ts';

/** The tensor of model inputs in a data file. */
export const INPUTS_TENSOR = 'inputs';

/** The tensor of true classes in a data file. */
export const LABELS_TENSOR = 'labels';

/** The most bytes of inputs read for one batch. */
export const EVAL_BATCH_BYTES = 4 * 1024 * 1024;

/** The most examples in one batch, whatever their size. */
export const EVAL_BATCH_ROWS = 512;

/** One batch: `rows` examples of `exampleShape`, and each one's class index. */
export interface EvalBatch {
  readonly rows: number;
  readonly inputs: Float32Array;
  readonly labels: Int32Array;
}

/** Labelled examples to score a classifier on. */
export interface EvalData {
  /** `mnist`, or the file's path. */
  readonly name: string;
  /** One line on where the examples come from. */
  readonly description: string;
  readonly examples: number;
  /** The shape of one example (no batch axis). */
  readonly exampleShape: readonly number[];
  /** Whether the examples may be fed to a model whose input has another shape of as many values (a flat image as 28×28×1). */
  readonly reshapes: boolean;
  /** The number of classes the labels fix (one-hot width), or `undefined` for class indices. */
  readonly classes: number | undefined;
  /** The largest class index, when known before reading (class indices). */
  readonly largestLabel: number | undefined;
  /** The examples, a batch at a time; each call reads them again. */
  batches(): AsyncGenerator<EvalBatch>;
}

/** Where `--data mnist`'s examples come from, as output says it. */
export const MNIST_EVAL_DESCRIPTION = `the demo's ${DEMO_CONFIG.testDigits.toLocaleString('en-US')} held-out test digits (MNIST, seed-${DEMO_CONFIG.splitSeed} split of the mnist package's 10,000)`;

/**
 * `--data mnist`: the 2,000 digits the demo holds out for testing (the same seeded split of the
 * `mnist` package's 10,000 digits), as flat 784-pixel rows in 0–1. Needs `@whittle/bench`.
 *
 * @example
 * ```ts
 * const data = await mnistEvalData(); // data.examples === 2000
 * ```
 */
export async function mnistEvalData(): Promise<EvalData> {
  const { loadMnistDigits, splitDigits, MNIST_IMAGE_SIZE } = await loadBench('eval --data mnist');
  const { test } = splitDigits(await loadMnistDigits(), { train: DEMO_CONFIG.trainDigits, test: DEMO_CONFIG.testDigits, seed: DEMO_CONFIG.splitSeed });
  return {
    name: 'mnist',
    description: MNIST_EVAL_DESCRIPTION,
    examples: test.count,
    exampleShape: [MNIST_IMAGE_SIZE],
    reshapes: true,
    classes: undefined,
    largestLabel: Math.max(...test.labels),
    async *batches() {
      for (let start = 0; start < test.count; start += EVAL_BATCH_ROWS) {
        const rows = Math.min(EVAL_BATCH_ROWS, test.count - start);
        yield {
          rows,
          inputs: test.images.subarray(start * MNIST_IMAGE_SIZE, (start + rows) * MNIST_IMAGE_SIZE),
          labels: Int32Array.from(test.labels.subarray(start, start + rows)),
        };
      }
    },
  };
}

/** Integer dtypes a `labels` tensor of class indices may have, with their reader. */
const INDEX_DTYPES: Readonly<Record<string, { readonly bytes: number; readonly read: (view: DataView, offset: number) => number | bigint }>> = {
  U8: { bytes: 1, read: (view, offset) => view.getUint8(offset) },
  I8: { bytes: 1, read: (view, offset) => view.getInt8(offset) },
  U16: { bytes: 2, read: (view, offset) => view.getUint16(offset, true) },
  I16: { bytes: 2, read: (view, offset) => view.getInt16(offset, true) },
  U32: { bytes: 4, read: (view, offset) => view.getUint32(offset, true) },
  I32: { bytes: 4, read: (view, offset) => view.getInt32(offset, true) },
  U64: { bytes: 8, read: (view, offset) => view.getBigUint64(offset, true) },
  I64: { bytes: 8, read: (view, offset) => view.getBigInt64(offset, true) },
};

/** The most classes a label may name: more than any classifier has, and within an Int32Array. */
export const MAX_CLASSES = 2 ** 24;

/**
 * Opens a data file and checks it before any model runs: a safetensors file holding exactly
 * `inputs` (float32, `[n, ...example shape]`, n ≥ 1) and `labels` (class indices `[n]` of an
 * integer dtype, 0 or more, or one-hot float32 `[n, classes]`). Every size comes from the
 * header, which core checks against the file's length; class indices are read (n values) and
 * checked here, inputs and one-hot rows a batch at a time later. Throws a one-line WhittleError
 * naming the file and the tensor.
 *
 * @example
 * ```ts
 * const data = await readEvalDataFile('test.safetensors');
 * for await (const batch of data.batches()) console.log(batch.rows);
 * ```
 */
export async function readEvalDataFile(path: string): Promise<EvalData> {
  const source = await fileSource(path);
  let header: SafetensorsHeader;
  let indices: Int32Array | undefined;
  try {
    header = await readSafetensorsHeader(source);
    for (const name of header.tensors.keys()) {
      if (name !== INPUTS_TENSOR && name !== LABELS_TENSOR) {
        throw new WhittleError('invalid-argument', `a data file holds only "${INPUTS_TENSOR}" and "${LABELS_TENSOR}"; remove this tensor`, { file: path, field: name });
      }
    }
    const inputs = header.tensors.get(INPUTS_TENSOR);
    const labels = header.tensors.get(LABELS_TENSOR);
    if (inputs === undefined || labels === undefined) {
      const missing = inputs === undefined ? INPUTS_TENSOR : LABELS_TENSOR;
      throw new WhittleError('invalid-argument', `a data file needs tensors "${INPUTS_TENSOR}" [n, ...] and "${LABELS_TENSOR}" [n]; "${missing}" is missing`, { file: path, field: missing });
    }
    if (inputs.dtype !== 'F32') throw new WhittleError('invalid-argument', `inputs must be float32 (F32), got ${inputs.dtype}`, { file: path, field: INPUTS_TENSOR });
    if (inputs.shape.length < 2 || inputs.shape[0] === 0) {
      throw new WhittleError('invalid-argument', `inputs must be [n, ...example shape] with n ≥ 1, got [${inputs.shape.join(', ')}]`, { file: path, field: INPUTS_TENSOR });
    }
    const examples = inputs.shape[0]!;
    if (labels.shape[0] !== examples || labels.shape.length > 2) {
      throw new WhittleError('invalid-argument', `labels must be [${examples}] class indices or [${examples}, classes] one-hot, got [${labels.shape.join(', ')}]`, { file: path, field: LABELS_TENSOR });
    }
    if (labels.shape.length === 2) {
      if (labels.dtype !== 'F32') throw new WhittleError('invalid-argument', `one-hot labels must be float32 (F32), got ${labels.dtype}`, { file: path, field: LABELS_TENSOR });
      if (labels.shape[1]! < 2) throw new WhittleError('invalid-argument', `one-hot labels need at least 2 classes, got [${labels.shape.join(', ')}]`, { file: path, field: LABELS_TENSOR });
    } else {
      const dtype = INDEX_DTYPES[labels.dtype];
      if (dtype === undefined) {
        throw new WhittleError('invalid-argument', `class indices [n] must be integers (U8, I8, U16, I16, U32, I32, U64, I64), got ${labels.dtype}`, { file: path, field: LABELS_TENSOR });
      }
      const bytes = await source.read(header.dataOffset + labels.dataOffsets[0], labels.dataOffsets[1] - labels.dataOffsets[0]);
      indices = classIndices(bytes, dtype, examples, path);
    }
  } finally {
    await source.close();
  }
  const inputs = header.tensors.get(INPUTS_TENSOR)!;
  const labels = header.tensors.get(LABELS_TENSOR)!;
  const exampleShape = inputs.shape.slice(1);
  const oneHot = indices === undefined;
  return {
    name: path,
    description: path,
    examples: inputs.shape[0]!,
    exampleShape,
    reshapes: false,
    classes: oneHot ? labels.shape[1]! : undefined,
    largestLabel: indices === undefined ? undefined : largest(indices),
    batches: () => fileBatches(path, header, exampleShape, indices),
  };
}

/** Class indices from raw little-endian bytes, each checked to lie in [0, {@link MAX_CLASSES}). */
function classIndices(bytes: Uint8Array, dtype: (typeof INDEX_DTYPES)[string], examples: number, path: string): Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const indices = new Int32Array(examples);
  for (let row = 0; row < examples; row++) {
    const value = dtype.read(view, row * dtype.bytes);
    if (value < 0 || value >= MAX_CLASSES) {
      throw new WhittleError('invalid-argument', `class index ${String(value)} in row ${row} is out of range: labels are 0 or more`, { file: path, field: LABELS_TENSOR });
    }
    indices[row] = Number(value);
  }
  return indices;
}

function largest(values: Int32Array): number {
  let result = 0;
  for (const value of values) if (value > result) result = value;
  return result;
}

/** Reads inputs (and one-hot labels) a block of rows at a time, opening the file for each pass. */
async function* fileBatches(path: string, header: SafetensorsHeader, exampleShape: readonly number[], indices: Int32Array | undefined): AsyncGenerator<EvalBatch> {
  const examples = header.tensors.get(INPUTS_TENSOR)!.shape[0]!;
  const rowBytes = 4 * exampleShape.reduce((product, size) => product * size, 1);
  const rowsPerBatch = Math.max(1, Math.min(EVAL_BATCH_ROWS, Math.floor(EVAL_BATCH_BYTES / Math.max(1, rowBytes))));
  const source = await fileSource(path);
  try {
    // Checked when opened; a file changed since fails its own checks here.
    const current = await readSafetensorsHeader(source);
    for (let start = 0; start < examples; start += rowsPerBatch) {
      const rows = Math.min(rowsPerBatch, examples - start);
      const inputs = await readSafetensorsRows(source, current, INPUTS_TENSOR, start, rows);
      const labels = indices?.subarray(start, start + rows) ?? oneHotIndices((await readSafetensorsRows(source, current, LABELS_TENSOR, start, rows)).data as Float32Array, rows, start, path);
      yield { rows, inputs: inputs.data as Float32Array, labels };
    }
  } finally {
    await source.close();
  }
}

/** The class of each one-hot row: the one 1, every other value 0. */
function oneHotIndices(values: Float32Array, rows: number, start: number, path: string): Int32Array {
  const classes = values.length / rows;
  const indices = new Int32Array(rows);
  for (let row = 0; row < rows; row++) {
    let hot = -1;
    for (let column = 0; column < classes; column++) {
      const value = values[row * classes + column]!;
      if (value === 1 && hot === -1) hot = column;
      else if (value !== 0) hot = -2;
    }
    if (hot < 0) {
      throw new WhittleError('invalid-argument', `row ${start + row} is not one-hot (one 1, every other value 0)`, { file: path, field: LABELS_TENSOR });
    }
    indices[row] = hot;
  }
  return indices;
}
