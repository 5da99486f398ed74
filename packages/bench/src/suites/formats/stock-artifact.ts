import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { seededRandom } from '../../seeded-random.ts';

/** A weight entry of a stock uint8-quantized TFJS manifest, as tfjs-converter writes it. */
export interface StockUint8WeightSpec {
  readonly name: string;
  readonly shape: number[];
  readonly dtype: 'float32';
  readonly quantization: { readonly dtype: 'uint8'; readonly min: number; readonly scale: number };
}

/** A stock TFJS artifact on disk. */
export interface StockArtifact {
  /** Path of model.json. */
  readonly modelJson: string;
  /** Paths of the weight shards, in manifest order. */
  readonly shards: readonly string[];
  /** The manifest's weight entries, in order (what `tf.io.decodeWeights` is given). */
  readonly weightSpecs: readonly StockUint8WeightSpec[];
  /** Bytes of all shards together. */
  readonly byteLength: number;
}

/**
 * Writes a weights-only stock TFJS artifact into `directory`: model.json plus shards of
 * `shardBytes`, holding uint8-quantized float32 weights of the given shapes laid end to end
 * (seeded random codes; per-tensor `min` and `scale` with zero exactly representable, as
 * `tensorflowjs_converter --quantize_uint8` writes them). Shards are generated and written one
 * at a time, so memory holds one shard whatever the artifact's size.
 *
 * @example
 * ```ts
 * const artifact = await writeStockUint8Artifact(directory, [[8192, 8192]], { shardBytes: 4 << 20, seed: 1 });
 * ```
 */
export async function writeStockUint8Artifact(
  directory: string,
  shapes: readonly (readonly number[])[],
  options: { readonly shardBytes: number; readonly seed: number },
): Promise<StockArtifact> {
  const weightSpecs = shapes.map((shape, index): StockUint8WeightSpec => {
    // A different range per weight, so a decoder that mixed them up would give wrong values.
    const scale = (index + 1) / 1024;
    return { name: `dense_${index}/kernel`, shape: [...shape], dtype: 'float32', quantization: { dtype: 'uint8', min: -128 * scale, scale } };
  });
  const byteLength = weightSpecs.reduce((total, spec) => total + spec.shape.reduce((size, side) => size * side, 1), 0);
  const count = Math.ceil(byteLength / options.shardBytes);
  const random = seededRandom(options.seed);
  const shards: string[] = [];
  for (let index = 0; index < count; index++) {
    const length = Math.min(options.shardBytes, byteLength - index * options.shardBytes);
    const path = join(directory, `group1-shard${index + 1}of${count}.bin`);
    await writeFile(path, randomBytes(length, random));
    shards.push(path);
  }
  const modelJson = join(directory, 'model.json');
  const manifest = [{ paths: shards.map((_, index) => `group1-shard${index + 1}of${count}.bin`), weights: weightSpecs }];
  await writeFile(modelJson, JSON.stringify({ generatedBy: 'whittle bench', weightsManifest: manifest }));
  return { modelJson, shards, weightSpecs, byteLength };
}

/**
 * Reads every shard of an artifact into memory with `readFile` (as whittle's file reader does),
 * each as its own ArrayBuffer (what tfjs's loaders hand to `tf.io.decodeWeights`).
 *
 * @example
 * ```ts
 * const buffers = await readShards(artifact.shards);
 * ```
 */
export async function readShards(paths: readonly string[]): Promise<ArrayBuffer[]> {
  const buffers: ArrayBuffer[] = [];
  for (const path of paths) {
    const bytes = await readFile(path);
    // Node gives a file of known size its own exactly sized buffer: no copy needed.
    const owned = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    buffers.push(owned ? (bytes.buffer as ArrayBuffer) : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  }
  return buffers;
}

function randomBytes(length: number, random: ReturnType<typeof seededRandom>): Uint8Array {
  // Whole 32-bit words of randomness: four codes per call to the generator.
  const words = new Uint32Array(Math.ceil(length / 4));
  for (let index = 0; index < words.length; index++) words[index] = random.uniform() * 4294967296;
  return new Uint8Array(words.buffer, 0, length);
}
