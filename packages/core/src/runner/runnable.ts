/**
 * A model ready to run on the current tfjs backend: predictions, the activations that feed chosen
 * layers (for calibration), and evaluation on batches.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WhittleError, isWhittleError } from '../errors.ts';
import { concatenateSamples } from './concatenate-samples.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';
import { fromTensor } from '../tensor/tfjs-tensor.ts';
import { batchSize, batchTensors, readBatches, type BatchData, type BatchTensors } from './batch-data.ts';
import { metricValues, type Metric } from './metric.ts';
import type { ModelEngine, ModelInputInfo } from './model-engine.ts';

/** One batch of captured activations, as `captureInputs` hands it to its callback. */
export interface CapturedInputs {
  /** The batch's index in the data, from 0. */
  readonly batch: number;
  /** The activations that feed each requested layer, by the name it was requested under. */
  readonly inputs: ReadonlyMap<string, tf.Tensor>;
}

/** Called with each batch's activations; the tensors are freed once it returns (or its promise settles). */
export type CaptureCallback = (captured: CapturedInputs) => void | Promise<void>;

/** A whittle Model loaded on the current tfjs backend. Call `dispose` when done. */
export interface Runnable {
  /** `layers` for a Keras topology (tfjs-layers), `graph` for a TensorFlow graph (tfjs-converter). */
  readonly kind: 'layers' | 'graph';
  /** The model's inputs, in the order a batch gives them. */
  readonly inputs: readonly ModelInputInfo[];
  /**
   * Runs one batch: the output tensor (one per output, for a model with several). The caller
   * disposes what it gets; the inputs are left alone.
   */
  predict(inputs: BatchTensors): tf.Tensor | tf.Tensor[];
  /**
   * The activations that feed `layers` (layer or node names, or names of params they own), batch
   * by batch: with `onBatch`, each batch's tensors are handed to it and freed after, so memory
   * holds one batch whatever the data's size; without, they are read back and returned
   * concatenated along the sample axis, by requested name.
   */
  captureInputs(layers: readonly string[], data: BatchData): Promise<Map<string, HostTensor>>;
  captureInputs(layers: readonly string[], data: BatchData, onBatch: CaptureCallback): Promise<void>;
  /**
   * `metric` of the model's (first) output against each batch's (first) target, averaged over
   * every sample of `data`. Every batch needs targets.
   */
  evaluate(data: BatchData, metric: Metric): Promise<number>;
  /** Frees the model's weights; the runnable cannot be used after. */
  dispose(): void;
}

/**
 * A {@link Runnable} over a loaded engine (see `loadRunnable`).
 *
 * @example
 * ```ts
 * const runnable = createRunnable(layersEngine(layersModel));
 * ```
 */
export function createRunnable(engine: ModelEngine): Runnable {
  let disposed = false;
  const check = (): void => {
    if (disposed) throw new WhittleError('invalid-argument', 'the model was disposed; load it again to run it', { field: 'runnable' });
  };
  async function captureInputs(layers: readonly string[], data: BatchData, onBatch?: CaptureCallback): Promise<Map<string, HostTensor> | undefined> {
    check();
    if (!Array.isArray(layers) || layers.length === 0 || !layers.every((name) => typeof name === 'string')) {
      throw new WhittleError('invalid-argument', 'name at least one layer (or param) to capture the inputs of', { field: 'layers' });
    }
    const requested = [...new Set(layers)];
    const targets = engine.resolve(requested);
    const collected = new Map<string, HostTensor[]>(requested.map((name) => [name, []]));
    let index = 0;
    for await (const batch of readBatches(data)) {
      const field = `data[${index}].inputs`;
      const owned: tf.Tensor[] = [];
      let captured: tf.Tensor[] = [];
      try {
        const inputs = batchTensors(batch.inputs, owned, field);
        batchSize(inputs, field);
        captured = running(field, () => engine.capture(inputs, targets));
        const byName = new Map(requested.map((name, position) => [name, captured[position]!]));
        if (onBatch !== undefined) await onBatch({ batch: index, inputs: byName });
        else for (const [name, tensor] of byName) collected.get(name)!.push(await fromTensor(tensor));
      } finally {
        // A captured tensor can be a model input itself (the first layer's): that one belongs to
        // the batch, not to the capture.
        tf.dispose(captured.filter((tensor) => !isFed(tensor, batch.inputs, owned)));
        tf.dispose(owned);
      }
      index++;
    }
    if (onBatch !== undefined) return undefined;
    return new Map([...collected].map(([name, parts]) => [name, concatenateSamples(parts, name)]));
  }
  return {
    kind: engine.kind,
    inputs: engine.inputs,
    predict(inputs) {
      check();
      const owned: tf.Tensor[] = [];
      try {
        const tensors = batchTensors(inputs, owned, 'inputs');
        batchSize(tensors, 'inputs');
        const outputs = running('inputs', () => engine.run(tensors));
        // An output that is an input unchanged is copied, so the caller may dispose both.
        const result = outputs.map((output) => (tensors.includes(output) ? tf.clone(output) : output));
        return result.length === 1 ? result[0]! : result;
      } finally {
        tf.dispose(owned);
      }
    },
    captureInputs: captureInputs as Runnable['captureInputs'],
    async evaluate(data, metric) {
      check();
      let sum = 0;
      let samples = 0;
      let index = 0;
      for await (const batch of readBatches(data)) {
        const field = `data[${index}]`;
        if (batch.targets === undefined) throw new WhittleError('invalid-argument', 'evaluation needs targets in every batch', { field: `${field}.targets` });
        const owned: tf.Tensor[] = [];
        let total: tf.Tensor | undefined;
        try {
          const inputs = batchTensors(batch.inputs, owned, `${field}.inputs`);
          const targets = batchTensors(batch.targets, owned, `${field}.targets`);
          const size = batchSize(inputs, `${field}.inputs`);
          total = tf.tidy(() => {
            const outputs = running(`${field}.inputs`, () => engine.run(inputs));
            try {
              return tf.sum(metricValues(metric, outputs[0]!, targets[0]!));
            } catch (error) {
              throw isWhittleError(error) ? new WhittleError(error.code, error.detail, { field: `${field}.${error.field ?? 'targets'}` }, { cause: error }) : error;
            }
          });
          sum += (await total.data())[0]!;
          samples += size;
        } finally {
          total?.dispose();
          tf.dispose(owned);
        }
        index++;
      }
      if (samples === 0) throw new WhittleError('invalid-argument', 'there are no samples to evaluate on', { field: 'data' });
      return sum / samples;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      engine.dispose();
    },
  };
}

/** Runs the model, turning tfjs's own errors (a wrong input shape) into one-line WhittleErrors. */
function running<Value>(field: string, run: () => Value): Value {
  try {
    return run();
  } catch (error) {
    if (isWhittleError(error)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new WhittleError('invalid-argument', `the model cannot run on these inputs: ${message}`, { field }, { cause: error });
  }
}

function isFed(tensor: tf.Tensor, inputs: BatchTensors, owned: readonly tf.Tensor[]): boolean {
  const given = Array.isArray(inputs) ? inputs : [inputs];
  return given.includes(tensor) || owned.includes(tensor);
}
