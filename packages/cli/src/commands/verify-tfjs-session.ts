import * as tf from '@tensorflow/tfjs-core';
import { isWhittleError, useBackend, WhittleError } from '@whittle/core';
import { readTfjsModelFile } from '@whittle/core/fs';
import type * as Runner from '@whittle/core/runner';
import { TensorProto_DataType as DataType } from '@whittle/onnx';
import { locateModel } from '../model-files/model-location.ts';
import type { TfjsLocation } from '../model-files/tfjs-format.ts';
import type { CliBackend } from './backend-option.ts';
import type { VerifySession, VerifyTensor } from './verify-onnx-session.ts';

/**
 * Loads the TFJS model at `path` (a model.json or the directory holding one, whittle-compressed
 * or stock) with core's runner on `backend`, every param as what it decodes to, behind the same
 * session interface as an ONNX model: its inputs by position (`input_0`, …, float32, a free
 * axis the symbolic dim `batch`) and a run that gives each output by position (`output_0`, …).
 * Positions, not names: tfjs renames a layer whose name another loaded model already took
 * (`dense_input` becomes `dense_input_2`), so two copies of one model never share names. A path that
 * is not a TFJS model, a model without a topology, or one tfjs refuses to build is a WhittleError
 * naming the file.
 *
 * @example
 * ```ts
 * const session = await openTfjsVerifySession('model-int8/', 'cpu');
 * ```
 */
export async function openTfjsVerifySession(path: string, backend: CliBackend): Promise<VerifySession> {
  const location = await locateModel(path);
  if (location.format !== 'tfjs') {
    throw new WhittleError('invalid-argument', `verify runs two .onnx models or two TFJS models; this is a ${location.format} file`, { file: path });
  }
  const model = await readTfjsModelFile((location as TfjsLocation).modelJson);
  await useBackend(backend);
  // The runner (and the tfjs-layers and tfjs-converter it brings) loads only for this command.
  const specifier = '@whittle/core/runner';
  const { loadRunnable } = (await import(specifier)) as typeof Runner;
  let runnable: Runner.Runnable;
  try {
    runnable = await loadRunnable(model);
  } catch (error) {
    if (isWhittleError(error)) throw new WhittleError(error.code, error.message, { file: path }, { cause: error });
    throw new WhittleError('invalid-model', `tfjs refuses the model: ${firstLine(error)}`, { file: path }, { cause: error });
  }
  const inputs = runnable.inputs.map(({ shape }, index) => {
    if (shape === undefined) {
      runnable.dispose();
      throw new WhittleError('invalid-model', `input ${index} has no declared shape; verify needs one to make inputs`, { file: path });
    }
    return { name: `input_${index}`, type: DataType.FLOAT, dims: shape.map((dim) => dim ?? 'batch') };
  });
  return {
    inputs,
    async run(feeds) {
      const tensors = inputs.map(({ name }) => {
        const feed = feeds[name];
        if (feed === undefined) throw new WhittleError('invalid-argument', `no value for input ${JSON.stringify(name)}`, { file: path, field: name });
        const data = feed.data instanceof Float32Array ? feed.data : Float32Array.from(feed.data as ArrayLike<number | bigint>, Number);
        return tf.tensor(data, [...feed.dims], 'float32');
      });
      let outputs: tf.Tensor[];
      try {
        const result = runnable.predict(tensors.length === 1 ? tensors[0]! : tensors);
        outputs = Array.isArray(result) ? result : [result];
      } catch (error) {
        throw new WhittleError('invalid-model', `tfjs failed to run the model: ${firstLine(error)}`, { file: path }, { cause: error });
      } finally {
        tf.dispose(tensors);
      }
      try {
        const named: Record<string, VerifyTensor> = {};
        for (const [index, output] of outputs.entries()) {
          named[`output_${index}`] = { dims: [...output.shape], data: Float32Array.from(await output.data()) };
        }
        return named;
      } finally {
        tf.dispose(outputs);
      }
    },
    release: async () => runnable.dispose(),
  };
}

function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split('\n')[0]!.slice(0, 200);
}
