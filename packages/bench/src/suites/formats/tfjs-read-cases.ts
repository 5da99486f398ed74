import * as tf from '@tensorflow/tfjs-core';
import { decodeToFloat32, type BackendName, type Model } from '@whittle/core';
import { readTfjsModel } from '@whittle/core/tfjs';
import { readTfjsModelFile } from '@whittle/core/fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { measureInterleaved } from '../../measure-interleaved.ts';
import type { Measurement } from '../../measure.ts';
import type { ResultRow } from '../../result-row.ts';
import { megabytesPerSecond, mebibytes, type FormatsSizes } from './sizes.ts';
import { garbageCollector } from '../../collect-garbage.ts';
import { readShards, type StockArtifact } from './stock-artifact.ts';

const PEER = 'tf.io.decodeWeights';

/**
 * Read and decode throughput of a stock uint8 TFJS artifact, whittle against tfjs on the same
 * bytes in the same run, in MB/s of shard bytes:
 *
 * - `tfjs-read-decode-whittle`: `readTfjsModelFile` (model.json, shard sizes checked, shards
 *   read, entries decoded into encodings) then every param decoded to float32.
 * - `tfjs-read-decode-tfjs`: the same shards read with `readFile`, then `tf.io.decodeWeights`
 *   into float32 tensors on `backend`, as tfjs's own loaders do after fetching.
 * - `tfjs-decode-whittle` / `tfjs-decode-tfjs`: the same from shards already in memory.
 *
 * The bound of the read cases is reading the shards alone (`readFile`); that of the in-memory
 * cases is making and filling the float32 outputs alone (4 bytes written per uint8 code, in
 * fresh memory the OS must map): both measured here too, in turn with the decoders.
 * Files come from the page cache after the warm-up run: this is parsing and decoding, not disk.
 */
export async function tfjsReadRows(
  artifact: StockArtifact,
  sizes: FormatsSizes,
  backend: BackendName,
  progress: (message: string) => void,
): Promise<ResultRow[]> {
  const bytes = artifact.byteLength;
  const size = mebibytes(bytes);
  const rate = (timing: Measurement): number => megabytesPerSecond(bytes, timing.median);
  const row = (name: string, rowBackend: string, value: number, extra: Partial<ResultRow> = {}): ResultRow => ({
    suite: 'formats',
    case: name,
    backend: rowBackend,
    size,
    metric: 'throughput',
    value,
    unit: 'MB/s',
    ...extra,
  });

  // The decoders run in turn, so load from elsewhere falls on both alike, each from a collected heap.
  const measureOptions = { ...sizes.timed, beforeEach: garbageCollector() };
  progress(`read ${size} of TFJS shards, and read and decode them with ${PEER} on ${backend} and with whittle, in turn`);
  const fromFiles = await measureInterleaved(
    {
      read: () => readShards(artifact.shards),
      tfjs: async () => decodeWithTfjs(await readShards(artifact.shards), artifact),
      whittle: async () => decodeAll(await readTfjsModelFile(artifact.modelJson)),
    },
    measureOptions,
  );
  const shards = await readShards(artifact.shards);
  const modelJson = await readFile(artifact.modelJson);
  const inMemory = new Map(artifact.shards.map((path, index) => [basename(path), new Uint8Array(shards[index]!)]));
  progress(`decode ${size} in memory with ${PEER} on ${backend} and with whittle, and fill the outputs alone (the bound), in turn`);
  const fromMemory = await measureInterleaved(
    {
      output: () => writeOutputs(artifact),
      tfjs: () => decodeWithTfjs(shards, artifact),
      whittle: async () => decodeAll(await readTfjsModel(modelJson, async (path) => inMemory.get(path) ?? new Uint8Array(0))),
    },
    measureOptions,
  );
  const readBound = rate(fromFiles.read);
  const readDecodeTfjs = rate(fromFiles.tfjs);
  const readDecodeWhittle = rate(fromFiles.whittle);
  const outputBound = rate(fromMemory.output);
  const decodeTfjs = rate(fromMemory.tfjs);
  const decodeWhittle = rate(fromMemory.whittle);

  return [
    row('tfjs-read-decode-whittle', 'js', readDecodeWhittle, { bound: readBound, peer: { name: PEER, value: readDecodeTfjs } }),
    row('tfjs-read-decode-tfjs', backend, readDecodeTfjs, { bound: readBound }),
    row('tfjs-decode-whittle', 'js', decodeWhittle, { bound: outputBound, peer: { name: PEER, value: decodeTfjs } }),
    row('tfjs-decode-tfjs', backend, decodeTfjs, { bound: outputBound }),
  ];
}

/** The float32 outputs of every weight, made and filled: what any decoder must at least do. */
export function writeOutputs(artifact: StockArtifact): number {
  let elements = 0;
  for (const spec of artifact.weightSpecs) {
    const size = spec.shape.reduce((product, dimension) => product * dimension, 1);
    elements += new Float32Array(size).fill(1).length;
  }
  return elements;
}

/** Every param decoded to float32, as a runtime needs it; the result is dropped. */
export function decodeAll(model: Model): number {
  let elements = 0;
  for (const param of model.params.values()) elements += decodeToFloat32(param.value).data.length;
  return elements;
}

/** tfjs's decoder over the shards: float32 tensors made on the current backend, then freed. */
export function decodeWithTfjs(shards: ArrayBuffer[], artifact: StockArtifact): number {
  const tensors = tf.io.decodeWeights(shards, artifact.weightSpecs.map((spec) => ({ ...spec })));
  let elements = 0;
  for (const tensor of Object.values(tensors)) {
    elements += tensor.size;
    tensor.dispose();
  }
  return elements;
}
