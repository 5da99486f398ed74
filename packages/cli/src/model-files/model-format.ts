/**
 * The file formats the CLI reads and writes, behind one interface it dispatches on: finding a
 * model at a path, where its output goes, and inspect, compress and decompress. A new format is
 * one module implementing {@link ModelFormat} and one line in {@link MODEL_FORMATS}.
 *
 * The interface lives in the CLI, not in core: its operations are the command line's (a path as
 * a user types it, `-o` rules, progress lines, reports), built on core's readers and writers,
 * which stay plain functions that any program can call without taking on these choices.
 */
import type { RecipeStep, StepReport, StockDType } from '@whittle/core';
import type { CompressReport } from '../compress/compress-report.ts';
import type { DecompressReport } from '../compress/decompress-file.ts';
import type { InspectListing } from './inspect-model.ts';
import { onnxFormat } from './onnx-format.ts';
import { safetensorsFormat } from './safetensors-format.ts';
import { tfjsFormat } from './tfjs-format.ts';

/** Where a model lives on disk, and in which format; each format adds what it needs. */
export interface ModelLocation {
  readonly format: string;
  /** The path as the user gave it. */
  readonly path: string;
}

/** What a format is offered to decide whether a path is one of its models. */
export interface ModelCandidate {
  readonly path: string;
  readonly isDirectory: boolean;
  /** The path's first byte (read once, only when a format asks). */
  firstByte(): Promise<number | undefined>;
}

/** Options of {@link ModelFormat.compress}. */
export interface FormatCompressOptions {
  readonly force: boolean;
  /** Bytes per weight shard, for formats that write shards. */
  readonly shardBytes?: number;
  /** What steps need besides JSON, by name. */
  readonly resources?: Readonly<Record<string, unknown>>;
  /** A progress note for stderr. */
  readonly note: (message: string) => void;
  /** After each param: with `step` and `kind` when the recipe runs step by step over the whole model. */
  readonly onProgress: (progress: { readonly param: string; readonly done: number; readonly total: number; readonly step?: number; readonly kind?: string }) => void;
  /** After each step, when the recipe runs step by step over the whole model. */
  readonly onStep: (report: StepReport) => void;
}

/** One file format as the CLI uses it. */
export interface ModelFormat<Location extends ModelLocation = ModelLocation> {
  readonly name: string;
  /** True when its output is weight shards whose size `--shard-size` sets. */
  readonly writesShards: boolean;
  /**
   * The location of the model at `candidate` when it is this format's, else undefined (or a
   * WhittleError when it is this format's kind of path but unusable). Formats are asked in
   * table order.
   */
  detect(candidate: ModelCandidate): Promise<Location | undefined>;
  /** The files and directories the model is read from (never to be written over). */
  inputs(location: Location): string[];
  /**
   * Checks `-o` for this format and returns the path to write and the file whose existence
   * means "the output exists already".
   */
  outputPath(location: Location, output: string): Promise<{ readonly target: string; readonly existing: string }>;
  /** The file to name in a report, for an output written at `target`. */
  writtenPath(target: string): string;
  inspect(location: Location): Promise<InspectListing>;
  compress(location: Location, target: string, steps: readonly RecipeStep[], options: FormatCompressOptions): Promise<CompressReport>;
  decompress(location: Location, target: string, options: { readonly dtype: StockDType; readonly force: boolean }): Promise<DecompressReport>;
}

/** Every format, in the order they are asked to detect a path (the most permissive last). */
export const MODEL_FORMATS: readonly ModelFormat[] = [tfjsFormat as unknown as ModelFormat, onnxFormat as unknown as ModelFormat, safetensorsFormat as unknown as ModelFormat];

/**
 * The format of a located model.
 *
 * @example
 * ```ts
 * const report = await formatOf(location).inspect(location);
 * ```
 */
export function formatOf(location: ModelLocation): ModelFormat {
  const format = MODEL_FORMATS.find(({ name }) => name === location.format);
  if (format === undefined) throw new Error(`no format is named ${JSON.stringify(location.format)}`);
  return format;
}
