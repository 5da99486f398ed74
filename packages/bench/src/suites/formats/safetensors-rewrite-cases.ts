import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { measure, summarize } from '../../measure.ts';
import type { ResultRow } from '../../result-row.ts';
import { copyFileThroughMemory } from './copy-file.ts';
import { writeDenseCheckpoint } from './dense-checkpoint.ts';
import { runRewriteChild, type RewriteChildFigures } from './rewrite-child.ts';
import { megabytesPerSecond, mebibytes, type FormatsSizes } from './sizes.ts';

/**
 * Streaming a safetensors checkpoint through an identity rewrite with
 * `transformSafetensorsFile`, each run in a fresh child process so its peak RSS is the
 * rewrite's own:
 *
 * - `safetensors-rewrite`: MB/s of file bytes (median of the runs), against a plain copy of the
 *   same file through an 8 MiB buffer, flushed to disk as the rewrite's output is, as the bound.
 * - `safetensors-rewrite-peak-rss`: the highest peak RSS of the runs, in MB.
 * - `node-baseline-peak-rss`: the peak RSS of the same child that only loads core: what Node
 *   and whittle cost before a byte is read.
 *
 * `directory` must be empty; everything written there is removed before this returns.
 */
export async function safetensorsRewriteRows(directory: string, sizes: FormatsSizes, progress: (message: string) => void): Promise<ResultRow[]> {
  const inputDirectory = join(directory, 'in');
  const outputDirectory = join(directory, 'out');
  await mkdir(inputDirectory);
  await mkdir(outputDirectory);
  try {
    const input = join(inputDirectory, 'checkpoint.safetensors');
    const output = join(outputDirectory, 'rewritten.safetensors');
    const layers = sizes.safetensorsLayers;
    progress(`write a float32 safetensors checkpoint of ${layers} layers of ${sizes.safetensorsSide}x${sizes.safetensorsSide}`);
    const checkpoint = await writeDenseCheckpoint(input, { layers, side: sizes.safetensorsSide, seed: 3 });
    const size = mebibytes(checkpoint.byteLength);

    progress(`copy ${size} through memory (the bound)`);
    const copyPath = join(outputDirectory, 'copy.bin');
    const copy = await measure(() => copyFileThroughMemory(input, copyPath), sizes.copyTimed);
    await rm(copyPath, { force: true });

    const runs: RewriteChildFigures[] = [];
    for (let run = 1; run <= sizes.rewriteRuns; run++) {
      progress(`rewrite ${size} with transformSafetensorsFile in a child process (${run} of ${sizes.rewriteRuns})`);
      await rm(output, { force: true });
      runs.push(await runRewriteChild('rewrite', input, output));
    }
    progress('peak RSS of a child process that only loads core');
    const baseline = await runRewriteChild('baseline');

    const seconds = summarize(runs.map((run) => run.seconds)).median;
    const peak = Math.max(...runs.map((run) => run.peakRssBytes));
    const row = (name: string, metric: string, value: number, unit: string, extra: Partial<ResultRow> = {}): ResultRow => ({
      suite: 'formats',
      case: name,
      backend: 'js',
      size,
      metric,
      value,
      unit,
      ...extra,
    });
    return [
      row('safetensors-rewrite', 'throughput', megabytesPerSecond(checkpoint.byteLength, seconds), 'MB/s', {
        bound: megabytesPerSecond(checkpoint.byteLength, copy.median),
      }),
      row('safetensors-rewrite-peak-rss', 'peak RSS', peak / 1e6, 'MB'),
      { ...row('node-baseline-peak-rss', 'peak RSS', baseline.peakRssBytes / 1e6, 'MB'), size: '-' },
    ];
  } finally {
    await rm(inputDirectory, { recursive: true, force: true });
    await rm(outputDirectory, { recursive: true, force: true });
  }
}

