import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { WhittleError } from '@whittle/core';
import { ModelProtoSchema, type ModelProto } from '../proto/onnx_pb.ts';
import { MAX_MESSAGE_DEPTH, scanMessage } from './scan-wire.ts';

/**
 * The largest .onnx protobuf read: protobuf itself cannot address more than 2 GiB, which is why
 * larger models keep their weights in external data files.
 */
export const MAX_PROTOBUF_BYTES = 2 ** 31 - 1;

/**
 * Decodes an ONNX `ModelProto`. The bytes are checked field by field first (see `scanMessage`),
 * so a truncated or hostile file is a `malformed-file` WhittleError naming `file` and the field.
 * Memory: the bytes themselves plus the message tree, which the scan bounds by `decodedBudget`
 * (256 MiB plus 8 bytes per input byte); `raw_data` fields are views into `bytes`, not copies. Fields this schema does not know are kept and written back by
 * {@link encodeModelProto}.
 *
 * @example
 * ```ts
 * const proto = decodeModelProto(await readFile('model.onnx'), 'model.onnx');
 * proto.graph?.node.length;
 * ```
 */
export function decodeModelProto(bytes: Uint8Array, file = '<memory>'): ModelProto {
  if (bytes.byteLength > MAX_PROTOBUF_BYTES) {
    throw new WhittleError('malformed-file', `the protobuf is ${bytes.byteLength} bytes, over protobuf's 2 GiB limit`, { file });
  }
  scanMessage(ModelProtoSchema, bytes, file);
  try {
    return fromBinary(ModelProtoSchema, bytes, { readUnknownFields: true, recursionLimit: MAX_MESSAGE_DEPTH + 1 });
  } catch (error) {
    // The scan admits only what protobuf can decode; a refusal here is a value the scan cannot
    // judge (invalid UTF-8 in a string field).
    const reason = error instanceof Error ? error.message : String(error);
    throw new WhittleError('malformed-file', `not a valid ONNX ModelProto (${reason})`, { file, field: '(message)' }, { cause: error });
  }
}

/**
 * Encodes a `ModelProto`, unknown fields included, as `toBinary` writes it.
 *
 * @example
 * ```ts
 * const bytes = encodeModelProto(decodeModelProto(input));
 * ```
 */
export function encodeModelProto(proto: ModelProto): Uint8Array {
  return toBinary(ModelProtoSchema, proto, { writeUnknownFields: true });
}
