/**
 * The data `whittle search` evaluates on: held-out MNIST digits, or a safetensors file of inputs
 * and (optionally) targets.
 */
import { WhittleError, decode, type HostTensor, type SearchData } from '@whittle/core';
import { openRegularFile, readSafetensorsFile } from '@whittle/core/fs';
import { loadBench } from '../load-bench.ts';

/** `--data mnist`: digits the demo's training split leaves out, picked by a seeded shuffle. */
export const MNIST_SEARCH = { trainDigits: 8000, heldOut: 500, seed: 7 } as const;

/** Rows per batch cut from a data file. */
export const SEARCH_BATCH_ROWS = 256;

/** The largest data file read whole: evaluation runs over it many times, so it is held in memory. */
export const MAX_SEARCH_DATA_BYTES = 512 * 1024 * 1024;

/** The tensors a data file holds. */
export const SEARCH_DATA_TENSORS = { inputs: 'inputs', targets: 'targets' } as const;

/**
 * The evaluation data `--data` names: `mnist` (500 labelled digits outside the 8,000 the demo
 * trains on), or a safetensors file with a tensor `inputs` ([samples, …], the model's input) and,
 * for a metric, `targets` (class indices [samples] or one-hot [samples, classes]); without
 * `targets`, the search scores candidates by how far their outputs move (output SQNR).
 *
 * @example
 * ```ts
 * const data = await searchData('mnist'); // { batches: [...], metric: 'accuracy' }
 * ```
 */
export async function searchData(name: string): Promise<SearchData> {
  if (name === 'mnist') {
    const { digitBatches, loadMnistDigits, splitDigits } = await loadBench('search --data mnist');
    const { test } = splitDigits(await loadMnistDigits(), { train: MNIST_SEARCH.trainDigits, test: MNIST_SEARCH.heldOut, seed: MNIST_SEARCH.seed });
    return { batches: digitBatches(test), metric: 'accuracy' };
  }
  return readDataFile(name);
}

async function readDataFile(path: string): Promise<SearchData> {
  const { handle, size } = await openRegularFile(path, 'cannot read the data file');
  await handle.close();
  if (size > MAX_SEARCH_DATA_BYTES) {
    throw new WhittleError('invalid-argument', `the data file is ${size} bytes; search reads at most ${MAX_SEARCH_DATA_BYTES}`, { file: path });
  }
  const model = await readSafetensorsFile(path);
  const unknown = [...model.params.keys()].find((name) => name !== SEARCH_DATA_TENSORS.inputs && name !== SEARCH_DATA_TENSORS.targets);
  if (unknown !== undefined) {
    throw new WhittleError('invalid-argument', `a data file holds only "inputs" and "targets", not ${JSON.stringify(unknown.slice(0, 60))}`, { file: path, field: 'tensors' });
  }
  const inputsParam = model.params.get(SEARCH_DATA_TENSORS.inputs);
  if (inputsParam === undefined) throw new WhittleError('invalid-argument', 'a data file needs a tensor "inputs" of model inputs', { file: path, field: 'inputs' });
  const inputs = decode(inputsParam.value);
  const targetsParam = model.params.get(SEARCH_DATA_TENSORS.targets);
  const targets = targetsParam === undefined ? undefined : decode(targetsParam.value);
  const samples = inputs.shape[0];
  if (inputs.shape.length < 2 || samples === undefined || samples === 0) {
    throw new WhittleError('invalid-argument', `"inputs" needs a first axis of samples and at least one more, got [${inputs.shape.join(', ')}]`, { file: path, field: 'inputs' });
  }
  if (targets !== undefined && targets.shape[0] !== samples) {
    throw new WhittleError('invalid-argument', `"targets" needs ${samples} samples like "inputs", got [${targets.shape.join(', ')}]`, { file: path, field: 'targets' });
  }
  const batches = [];
  for (let start = 0; start < samples; start += SEARCH_BATCH_ROWS) {
    const rows = Math.min(SEARCH_BATCH_ROWS, samples - start);
    batches.push({ inputs: sliceRows(inputs, start, rows), ...(targets === undefined ? {} : { targets: sliceRows(targets, start, rows) }) });
  }
  return { batches, metric: 'accuracy' };
}

function sliceRows(tensor: HostTensor, start: number, rows: number): HostTensor {
  const rowSize = tensor.shape.slice(1).reduce((product, size) => product * size, 1);
  const data = tensor.data.subarray(start * rowSize, (start + rows) * rowSize);
  return { dtype: tensor.dtype, shape: [rows, ...tensor.shape.slice(1)], data } as HostTensor;
}
