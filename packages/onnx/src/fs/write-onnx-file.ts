import { rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { byteLength, WhittleError, type Model } from '@whittle/core';
import { assertSafeOutput, atomicFileSink, type WriteOptions } from '@whittle/core/fs';
import { encodeModelProto, MAX_PROTOBUF_BYTES } from '../protobuf/decode-model-proto.ts';
import { onnxProtoFromModel } from '../model/write-onnx-model.ts';

/**
 * Bytes of params above which {@link writeOnnxFile} moves weights to an external data file:
 * protobuf's 2 GiB limit less room for the graph itself.
 */
export const EXTERNAL_DATA_THRESHOLD = 2 ** 31 - 2 ** 26;

/** Tensors smaller than this stay inline even in a model with external data (as onnx's saver does). */
export const MINIMUM_EXTERNAL_TENSOR_BYTES = 1024;

/** Options for {@link writeOnnxFile}. */
export interface WriteOnnxFileOptions extends WriteOptions {
  /** Params' total bytes above which weights go to external data; {@link EXTERNAL_DATA_THRESHOLD} by default. */
  readonly externalDataThreshold?: number;
  /** Files that must not be overwritten (the model read): see core's `assertSafeOutput`. */
  readonly inputs?: readonly string[];
}

/** What {@link writeOnnxFile} wrote. */
export interface OnnxFiles {
  readonly model: string;
  /** The external data file, where one was written. */
  readonly data?: string;
  readonly bytes: number;
  /** Params written decoded to dense float32 (see `OnnxProtoOptions.onDecoded`). */
  readonly decoded: readonly string[];
}

/**
 * Writes an `onnx` model to `path`, atomically: a model whose params total more than the
 * threshold (2 GiB less room for the graph) keeps each tensor of at least 1 KiB in
 * `<name>_data` beside it (`model.onnx_data`, as transformers.js and optimum name it), written
 * one tensor at a time; smaller models are one file. An existing output is refused without
 * `force`, an input never overwritten, and a failure leaves neither file behind.
 *
 * @example
 * ```ts
 * await writeOnnxFile('out/model.onnx', model, { inputs: ['model.onnx'] });
 * ```
 */
export async function writeOnnxFile(path: string, model: Model, options: WriteOnnxFileOptions = {}): Promise<OnnxFiles> {
  const threshold = options.externalDataThreshold ?? EXTERNAL_DATA_THRESHOLD;
  if (!(threshold >= 0)) throw new WhittleError('invalid-argument', 'externalDataThreshold must be a non-negative byte count', { field: 'externalDataThreshold' });
  let total = 0;
  for (const param of model.params.values()) total += byteLength(param.value);
  const inputs = options.inputs ?? [];
  await assertSafeOutput(inputs, path, options);
  const decoded: string[] = [];
  const onDecoded = (name: string): void => {
    decoded.push(name);
  };
  if (total <= threshold) {
    const bytes = encodeModelProto(await onnxProtoFromModel(model, { onDecoded }));
    checkProtobufSize(bytes, path);
    const sink = await atomicFileSink(path, options);
    try {
      await sink.write(bytes);
      await sink.close();
    } catch (error) {
      await sink.abort(error);
      throw error;
    }
    return { model: path, bytes: bytes.byteLength, decoded };
  }
  const location = `${basename(path)}_data`;
  const dataPath = join(dirname(path), location);
  await assertSafeOutput(inputs, dataPath, options);
  const dataSink = await atomicFileSink(dataPath, options);
  let modelSink: Awaited<ReturnType<typeof atomicFileSink>> | undefined;
  let dataCommitted = false;
  try {
    let offset = 0;
    const proto = await onnxProtoFromModel(model, {
      onDecoded,
      async place(_name, bytes) {
        if (bytes.byteLength < MINIMUM_EXTERNAL_TENSOR_BYTES) return undefined;
        await dataSink.write(bytes);
        const reference = { location, offset, length: bytes.byteLength, checksum: undefined };
        offset += bytes.byteLength;
        return reference;
      },
    });
    const bytes = encodeModelProto(proto);
    checkProtobufSize(bytes, path);
    modelSink = await atomicFileSink(path, options);
    await modelSink.write(bytes);
    await dataSink.close();
    dataCommitted = true;
    await modelSink.close();
    return { model: path, data: dataPath, bytes: bytes.byteLength + offset, decoded };
  } catch (error) {
    await dataSink.abort(error);
    await modelSink?.abort(error);
    if (dataCommitted) await rm(dataPath, { force: true }).catch(() => undefined);
    throw error;
  }
}

function checkProtobufSize(bytes: Uint8Array, path: string): void {
  if (bytes.byteLength > MAX_PROTOBUF_BYTES) {
    throw new WhittleError('invalid-argument', 'the graph alone is over protobuf\'s 2 GiB limit', { file: path });
  }
}
