import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { countParams, modelByteLength, type Model, type StepReport } from '@whittle/core';

/** Params and bytes of a model's stored form. */
export interface ModelSize {
  readonly params: number;
  readonly bytes: number;
}

/** The output's size: params and bytes, and the bytes a browser downloads. */
export interface OutputSize extends ModelSize {
  /**
   * The written files gzipped one by one (zlib's default level, as web servers serve them) and
   * summed: what a browser downloads, model.json included. `bytes` counts the params alone.
   */
  readonly gzipBytes: number;
}

/** One recipe step as `whittle compress --json` reports it: bytes after the step, its time, and what it noted. */
export interface CompressedStep {
  readonly kind: string;
  readonly bytes: number;
  readonly seconds: number;
  /** What the step noted about its result (groups it left alone, say); empty when nothing. */
  readonly notes: readonly string[];
}

/** What `whittle compress --json` prints. */
export interface CompressReport {
  readonly input: ModelSize;
  readonly output: OutputSize;
  /** input bytes / output bytes: 2 when the output is half the size (Infinity, null in JSON, for an empty output of a non-empty input). */
  readonly ratio: number;
  readonly steps: readonly CompressedStep[];
}

/**
 * The report of a run from the sizes before and after and core's per-step reports.
 *
 * @example
 * ```ts
 * const { model: smaller, steps } = await compress(model, recipe);
 * compressReport(sizeOf(model), { ...sizeOf(smaller), gzipBytes: await gzipByteLength(written) }, steps);
 * ```
 */
export function compressReport(input: ModelSize, output: OutputSize, steps: readonly StepReport[]): CompressReport {
  return {
    input,
    output,
    ratio: output.bytes === 0 ? (input.bytes === 0 ? 1 : Infinity) : input.bytes / output.bytes,
    steps: steps.map(({ kind, bytesAfter, seconds, notes }) => ({ kind, bytes: bytesAfter, seconds, notes: [...notes] })),
  };
}

/**
 * Params and bytes of a model's stored form.
 *
 * @example
 * ```ts
 * sizeOf(model); // { params: 235146, bytes: 940584 }
 * ```
 */
export function sizeOf(model: Model): ModelSize {
  return { params: countParams(model), bytes: modelByteLength(model) };
}

/**
 * The bytes of `paths` each gzipped on its own (zlib's default level 6, what web servers
 * commonly serve), summed: what a browser downloads for them. Streams each file, so a large
 * checkpoint is never held in memory.
 *
 * @example
 * ```ts
 * await gzipByteLength(['out/model.json', 'out/group1-shard1of1.bin']); // 61234
 * ```
 */
export async function gzipByteLength(paths: readonly string[]): Promise<number> {
  let total = 0;
  for (const path of paths) {
    await pipeline(createReadStream(path), createGzip(), async (gzipped: AsyncIterable<Buffer>) => {
      for await (const chunk of gzipped) total += chunk.byteLength;
    });
  }
  return total;
}
