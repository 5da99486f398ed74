import { createHash } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { WhittleError, type Model } from '@whittle/core';
import { checkWeightPath, describeCause, fileError, fileSource, isBelow, openRegularFile, type FileSource } from '@whittle/core/fs';
import { decodeModelProto, MAX_PROTOBUF_BYTES } from '../protobuf/decode-model-proto.ts';
import type { ModelProto } from '../proto/onnx_pb.ts';
import type { ExternalReference } from '../model/external-reference.ts';
import { onnxModelFromProto, type ExternalReader } from '../model/read-onnx-model.ts';

/** Options for {@link readOnnxFile}. */
export interface ReadOnnxFileOptions {
  /** Read external data through a symlink that leads outside the model's directory. */
  readonly followLinksOutside?: boolean;
}

/**
 * Reads an .onnx file into a whittle model (see `readOnnxModel`). The protobuf is read whole
 * (at most 2 GiB, protobuf's own limit; its `raw_data` stays a view into those bytes), and each
 * external tensor is read alone from its byte range, so external weights are never all in one
 * buffer with the file. External locations get the TFJS shard checks: a relative path without
 * `..`, a regular file (no FIFO or device), a real path inside the model's directory unless
 * `followLinksOutside`, a range inside the file, and the SHA-1 `checksum` where one is given.
 *
 * @example
 * ```ts
 * const model = await readOnnxFile('models/encoder/model.onnx');
 * ```
 */
export async function readOnnxFile(path: string, options: ReadOnnxFileOptions = {}): Promise<Model> {
  const proto = await readOnnxProto(path);
  const external = externalReader(path, options);
  try {
    return await onnxModelFromProto(proto, { file: path, external: external.read });
  } finally {
    await external.close();
  }
}

/**
 * The decoded `ModelProto` of an .onnx file (external data not read).
 *
 * @example
 * ```ts
 * const proto = await readOnnxProto('model.onnx');
 * ```
 */
export async function readOnnxProto(path: string): Promise<ModelProto> {
  const opened = await openRegularFile(path, 'cannot open the model');
  try {
    if (opened.size > MAX_PROTOBUF_BYTES) {
      throw new WhittleError('malformed-file', `the file is ${opened.size} bytes, over protobuf's 2 GiB limit`, { file: path });
    }
    const bytes = new Uint8Array(opened.size);
    let filled = 0;
    while (filled < bytes.byteLength) {
      const { bytesRead } = await opened.handle.read(bytes, filled, bytes.byteLength - filled, filled);
      if (bytesRead === 0) throw new WhittleError('malformed-file', 'the file changed while it was read', { file: path });
      filled += bytesRead;
    }
    return decodeModelProto(bytes, path);
  } catch (error) {
    throw error instanceof WhittleError ? error : fileError(path, 'cannot read the model', error);
  } finally {
    await opened.handle.close();
  }
}

interface ExternalFiles {
  readonly read: ExternalReader;
  close(): Promise<void>;
}

function externalReader(file: string, options: ReadOnnxFileOptions): ExternalFiles {
  const directory = dirname(file);
  let realDirectory: string | undefined;
  const sources = new Map<string, Promise<FileSource>>();
  const open = async (location: string, field: string): Promise<FileSource> => {
    const fail = (reason: string, error?: unknown): never => {
      const cause = describeCause(error);
      throw new WhittleError('malformed-file', `the external data file ${JSON.stringify(location)} ${reason}${cause === '' ? '' : ` (${cause})`}`, { file, field }, error === undefined ? undefined : { cause: error });
    };
    let real: string;
    try {
      realDirectory ??= await realpath(directory);
      real = await realpath(join(directory, location));
    } catch (error) {
      return fail('cannot be read', error);
    }
    if (options.followLinksOutside !== true && !isBelow(real, realDirectory)) {
      fail('is a link to a file outside the model directory; pass followLinksOutside to allow it');
    }
    let source = sources.get(real);
    if (source === undefined) {
      source = fileSource(real).catch((error: unknown) => fail('is not a regular file that can be read', error));
      sources.set(real, source);
    }
    return source;
  };
  return {
    async read(reference: ExternalReference, expected: number, field: string) {
      const locationField = `${field}.external_data.location`;
      checkWeightPath(reference.location, file, locationField);
      const source = await open(reference.location, locationField);
      if (reference.offset + expected > source.size) {
        throw new WhittleError('malformed-file', `the range [${reference.offset}, ${reference.offset + expected}) lies outside the ${source.size} bytes of ${JSON.stringify(reference.location)}`, { file, field: `${field}.external_data.offset` });
      }
      const bytes = await source.read(reference.offset, expected);
      if (reference.checksum !== undefined && createHash('sha1').update(bytes).digest('hex') !== reference.checksum) {
        throw new WhittleError('malformed-file', 'the bytes do not match their SHA-1 checksum', { file, field: `${field}.external_data.checksum` });
      }
      return bytes;
    },
    async close() {
      for (const source of sources.values()) await source.then((opened) => opened.close(), () => undefined);
    },
  };
}
