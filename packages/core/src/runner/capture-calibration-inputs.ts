/**
 * Calibration from batches of model inputs: the model runs as given, and the inputs of each layer
 * a step selected are handed over batch by batch, so memory holds one batch whatever the data's
 * size. Steps reach this through `loadCalibrationRunner` (the runner's peers are optional).
 */
import type * as tf from '@tensorflow/tfjs-core';
import { WhittleError, isWhittleError } from '../errors.ts';
import type { Model } from '../model/types.ts';
import { CALIBRATION_RESOURCE } from '../recipe/calibration-resource.ts';
import type { StepContext } from '../recipe/types.ts';
import type { BatchData } from './batch-data.ts';
import { loadRunnable, runnableKind } from './load-runnable.ts';

/**
 * Runs `model` on every batch of `data` (the `calibration` resource as batches of model inputs)
 * and calls `onInputs` with the inputs of the layer owning each of `params` (param names), batch
 * by batch; the tensors are freed once it settles. Every error is a WhittleError naming the step
 * and where in `resources.calibration` it lies: a model without a topology, a bad batch
 * (`resources.calibration[1].inputs`), what `onInputs` throws (prefixed with the param's name),
 * and data that holds no samples.
 *
 * @example
 * ```ts
 * await captureCalibrationInputs(model, ['dense/kernel'], batches, context, async (param, inputs) => {
 *   await accumulators.get(param)!.add(inputs);
 * });
 * ```
 */
export async function captureCalibrationInputs(
  model: Model,
  params: readonly string[],
  data: BatchData,
  context: Pick<StepContext, 'step' | 'signal'>,
  onInputs: (param: string, inputs: tf.Tensor) => void | Promise<void>,
): Promise<void> {
  const field = `resources.${CALIBRATION_RESOURCE}`;
  try {
    runnableKind(model);
  } catch (error) {
    throw new WhittleError(
      'invalid-argument',
      "batches of model inputs need a model that runs, and this one has no topology: give each layer's inputs by param name instead",
      { field, step: context.step },
      { cause: error },
    );
  }
  const sampled = new Set<string>();
  const runnable = await loadRunnable(model);
  try {
    await runnable.captureInputs(params, data, async ({ inputs }) => {
      context.signal?.throwIfAborted();
      for (const [name, tensor] of inputs) {
        try {
          await onInputs(name, tensor);
        } catch (error) {
          if (!isWhittleError(error)) throw error;
          throw new WhittleError(error.code, `${name}: ${error.detail}`, { field, step: context.step }, { cause: error });
        }
        if (tensor.size > 0) sampled.add(name);
      }
    });
  } catch (error) {
    if (!isWhittleError(error) || error.step !== undefined) throw error;
    // The runner names the batch (`data[2].inputs`); the user passed the batches as the resource.
    const inner = error.field?.startsWith('data') === true ? error.field.slice('data'.length) : error.field === undefined ? '' : `.${error.field}`;
    throw new WhittleError(error.code, error.detail, { field: `${field}${inner}`, step: context.step }, { cause: error });
  } finally {
    runnable.dispose();
  }
  if (params.some((name) => !sampled.has(name))) {
    throw new WhittleError('invalid-argument', 'the calibration batches hold no samples', { field, step: context.step });
  }
}
