/**
 * A tfjs IOHandler over any whittle model: every encoding decoded to plain weights, so
 * `tf.loadLayersModel` / `tf.loadGraphModel` run whittle output that plain tfjs cannot read.
 */
import type { io } from '@tensorflow/tfjs-core';
import { requireBackend } from '../../backend/require-backend.ts';
import type { Model } from '../../model/types.ts';
import { encodingParamCount } from '../../encoding/byte-length.ts';
import { HOST_IS_LITTLE_ENDIAN, littleEndianBytes } from '../../encoding/byte-order.ts';
import { decode } from '../../encoding/decode.ts';
import { floatScratch } from '../../encoding/float-scratch.ts';
import type { Encoding } from '../../encoding/types.ts';
import { isFloatDType } from '../../tensor/dtype.ts';
import { modelJsonFields } from './model-json-fields.ts';
import { stockWeight } from './stock-weights.ts';

// Uniform chunks keep tfjs's weight slicing on its fast path and below browsers' buffer limits.
const WEIGHT_DATA_CHUNK_BYTES = 64 * 1024 * 1024;

/**
 * The ModelArtifacts tfjs loads a model from: the model.json fields of the topology, and every
 * param decoded to float32 (dense int32 and bool kept; other integers as int32) as plain
 * `weightSpecs` / `weightData`. Float params are decoded straight into `weightData` where their
 * bytes sit inside one chunk, else through one reused scratch array, never into a fresh array
 * of their own.
 *
 * @example
 * ```ts
 * const layers = await tf.loadLayersModel(tf.io.fromMemory(toModelArtifacts(model)));
 * ```
 */
export function toModelArtifacts(model: Model): io.ModelArtifacts {
  const weightSpecs: io.WeightsManifestEntry[] = [];
  const parts: WeightPart[] = [];
  let total = 0;
  for (const param of model.params.values()) {
    const encoding = param.value;
    const part: WeightPart = isPlainFloat(encoding)
      ? { kind: 'float', encoding, byteLength: encodingParamCount(encoding) * 4 }
      : { kind: 'bytes', bytes: integerBytes(encoding) };
    weightSpecs.push({ name: param.name, shape: [...param.shape], dtype: part.kind === 'float' ? 'float32' : integerDType(encoding) });
    parts.push(part);
    total += part.kind === 'float' ? part.byteLength : part.bytes.byteLength;
  }
  const chunks = writeWeightChunks(parts, total);
  const weightData = chunks.length === 0 ? new ArrayBuffer(0) : chunks.length === 1 ? chunks[0]! : chunks;
  return { ...(modelJsonFields(model) as io.ModelArtifacts), weightSpecs, weightData };
}

/** One param's place in `weightData`: float32 values still to decode, or stock bytes as they are. */
type WeightPart =
  | { readonly kind: 'float'; readonly encoding: Encoding; readonly byteLength: number }
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array };

/** Every param but dense integers and bools decodes to float32. */
function isPlainFloat(encoding: Encoding): boolean {
  return encoding.kind !== 'dense' || isFloatDType(encoding.tensor.dtype);
}

function integerDType(encoding: Encoding): 'int32' | 'bool' {
  return encoding.kind === 'dense' && encoding.tensor.dtype === 'bool' ? 'bool' : 'int32';
}

/** Dense int32 and bool as stored; other integers as int32 (exactly). */
function integerBytes(encoding: Encoding): Uint8Array {
  const tensor = (encoding as Extract<Encoding, { kind: 'dense' }>).tensor;
  if (tensor.dtype === 'int32' || tensor.dtype === 'bool') return stockWeight(encoding)!.bytes;
  return littleEndianBytes(Int32Array.from(tensor.data as ArrayLike<number>));
}

/**
 * The parts laid end to end in chunks of WEIGHT_DATA_CHUNK_BYTES (the last shorter), exactly as
 * `splitIntoShards` lays them out. A float part whose bytes sit in one chunk at a 4-byte
 * boundary decodes in place; any other goes through the scratch array and is copied.
 */
function writeWeightChunks(parts: readonly WeightPart[], total: number): ArrayBuffer[] {
  const chunks: Uint8Array[] = [];
  for (let start = 0; start < total; start += WEIGHT_DATA_CHUNK_BYTES) {
    chunks.push(new Uint8Array(Math.min(WEIGHT_DATA_CHUNK_BYTES, total - start)));
  }
  const scratch = floatScratch();
  let offset = 0;
  for (const part of parts) {
    const byteLength = part.kind === 'float' ? part.byteLength : part.bytes.byteLength;
    if (byteLength === 0) continue;
    const chunkIndex = Math.floor(offset / WEIGHT_DATA_CHUNK_BYTES);
    const within = offset - chunkIndex * WEIGHT_DATA_CHUNK_BYTES;
    const chunk = chunks[chunkIndex]!;
    if (part.kind === 'float' && HOST_IS_LITTLE_ENDIAN && within % 4 === 0 && within + byteLength <= chunk.byteLength) {
      decode(part.encoding, new Float32Array(chunk.buffer, within, byteLength / 4));
    } else {
      const bytes =
        part.kind === 'bytes' ? part.bytes : littleEndianBytes(decode(part.encoding, scratch.take(byteLength / 4)).data as Float32Array);
      copySpan(chunks, offset, bytes);
    }
    offset += byteLength;
  }
  return chunks.map((chunk) => chunk.buffer as ArrayBuffer);
}

/** Copies `bytes` into the chunks from global byte `offset`, across chunk edges. */
function copySpan(chunks: readonly Uint8Array[], offset: number, bytes: Uint8Array): void {
  let copied = 0;
  while (copied < bytes.byteLength) {
    const at = offset + copied;
    const chunkIndex = Math.floor(at / WEIGHT_DATA_CHUNK_BYTES);
    const within = at - chunkIndex * WEIGHT_DATA_CHUNK_BYTES;
    const chunk = chunks[chunkIndex]!;
    const count = Math.min(bytes.byteLength - copied, chunk.byteLength - within);
    chunk.set(bytes.subarray(copied, copied + count), within);
    copied += count;
  }
}

/**
 * A tfjs `IOHandler` that loads any whittle model, given as a Model or a function that reads
 * one (called on each load): `load()` decodes every encoding (see {@link toModelArtifacts}).
 *
 * @example
 * ```ts
 * const model = await readTfjsModel(json, loadShard);
 * const layers = await tf.loadLayersModel(whittleIOHandler(model));
 * const graph = await tfconverter.loadGraphModel(whittleIOHandler(() => readTfjsModel(json, loadShard)));
 * ```
 */
export function whittleIOHandler(source: Model | (() => Promise<Model>)): io.IOHandler {
  return {
    load: async () => {
      // tfjs builds the model's layers from what this returns, and needs a backend for that.
      requireBackend('loading a whittle model into tfjs');
      return toModelArtifacts(typeof source === 'function' ? await source() : source);
    },
  };
}
