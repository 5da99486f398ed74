import { WhittleError, type Model } from '@whittle/core';
import type { ModelProto } from '../proto/onnx_pb.ts';

/**
 * The topology of an `onnx` model: the whole `ModelProto` (opsets, metadata, value infos,
 * functions, doc strings and unknown fields, verbatim), except that each initializer that
 * became a param holds no data: its values are the param's. Its `data_type` says the type the
 * graph computes it in; a writer casts a param stored in another dtype back to it.
 */
export interface OnnxTopology {
  readonly proto: ModelProto;
}

/**
 * The topology of an `onnx` model, or an `invalid-model` WhittleError for any other model.
 *
 * @example
 * ```ts
 * onnxTopology(model).proto.opsetImport; // [{ domain: '', version: 17n }]
 * ```
 */
export function onnxTopology(model: Model): OnnxTopology {
  const topology = model.topology as Partial<OnnxTopology> | null;
  if (model.format !== 'onnx' || typeof topology !== 'object' || topology === null || topology.proto?.graph === undefined) {
    throw new WhittleError('invalid-model', `expected an onnx model with a ModelProto topology, got a ${model.format} model`, { field: 'topology' });
  }
  return topology as OnnxTopology;
}
