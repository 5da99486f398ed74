import { WhittleError } from '@whittle/core';
import type { TensorProto } from '../proto/onnx_pb.ts';

/** Where an external tensor's bytes are: a file beside the model, a byte range, a SHA-1. */
export interface ExternalReference {
  /** The relative path from `location`, unchecked here (the file reader checks it). */
  readonly location: string;
  readonly offset: number;
  /** The byte count from `length`, or undefined where the entry names none. */
  readonly length: number | undefined;
  /** Lower-case hex SHA-1 of the bytes, where the entry gives one. */
  readonly checksum: string | undefined;
}

/**
 * Reads a tensor's `external_data` entries (`location`, `offset`, `length`, `checksum`): a
 * missing or repeated location, or an offset or length that is not a decimal byte count, is a
 * `malformed-file` WhittleError naming the entry. Unknown keys are allowed (the spec reserves
 * them) and kept in the topology.
 *
 * @example
 * ```ts
 * externalReference(initializer, 'model.onnx', 'graph.initializer[0]'); // { location: 'model.onnx.data', offset: 0, … }
 * ```
 */
export function externalReference(tensor: TensorProto, file: string, field: string): ExternalReference {
  const values = new Map<string, string>();
  tensor.externalData.forEach((entry, index) => {
    if (values.has(entry.key)) {
      throw new WhittleError('malformed-file', `the key ${JSON.stringify(entry.key)} is given twice`, { file, field: `${field}.external_data[${index}].key` });
    }
    values.set(entry.key, entry.value);
  });
  const location = values.get('location');
  if (location === undefined || location === '') {
    throw new WhittleError('malformed-file', 'external data needs a location', { file, field: `${field}.external_data` });
  }
  const count = (key: string): number | undefined => {
    const text = values.get(key);
    if (text === undefined) return undefined;
    if (!/^[0-9]{1,16}$/.test(text) || !Number.isSafeInteger(Number(text))) {
      throw new WhittleError('malformed-file', `${key} must be a decimal byte count, got ${JSON.stringify(text.slice(0, 40))}`, { file, field: `${field}.external_data.${key}` });
    }
    return Number(text);
  };
  const checksum = values.get('checksum');
  if (checksum !== undefined && !/^[0-9a-fA-F]{40}$/.test(checksum)) {
    throw new WhittleError('malformed-file', 'checksum must be 40 hex digits (SHA-1)', { file, field: `${field}.external_data.checksum` });
  }
  return { location, offset: count('offset') ?? 0, length: count('length'), checksum: checksum?.toLowerCase() };
}
