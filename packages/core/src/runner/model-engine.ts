/**
 * What the runner needs from a loaded tfjs model, whatever its kind: run it to its outputs, or to
 * the tensors that feed chosen layers. One implementation per kind (Layers, Graph).
 */
import type * as tf from '@tensorflow/tfjs-core';

/** A model input: its name and shape (`null` for a free axis, the batch axis first). */
export interface ModelInputInfo {
  readonly name: string;
  readonly shape: readonly (number | null)[] | undefined;
}

/** A tensor inside a model that can be captured: the input of one layer (or graph node). */
export interface CaptureTarget {
  /** The layer (or node) or param name the caller asked for. */
  readonly requested: string;
  /** The layer (node) whose input it is. */
  readonly layer: string;
}

/** A loaded tfjs model, as the runner drives it. */
export interface ModelEngine {
  readonly kind: 'layers' | 'graph';
  readonly inputs: readonly ModelInputInfo[];
  /** Runs the model; the caller disposes the outputs. */
  run(inputs: readonly tf.Tensor[]): tf.Tensor[];
  /** Resolves layer, node or param names to the tensors that feed them; throws a WhittleError for an unknown name. */
  resolve(names: readonly string[]): readonly CaptureTarget[];
  /** Runs the model to the inputs of `targets`, one tensor each; the caller disposes them (never one of `inputs`). */
  capture(inputs: readonly tf.Tensor[], targets: readonly CaptureTarget[]): tf.Tensor[];
  dispose(): void;
}
