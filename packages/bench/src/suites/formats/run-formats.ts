import { useBackend } from '@whittle/core';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SuiteOptions, SuiteResult } from '../../suite.ts';
import { safetensorsRewriteRows } from './safetensors-rewrite-cases.ts';
import { FULL_FORMATS_SIZES, QUICK_FORMATS_SIZES, type FormatsSizes } from './sizes.ts';
import { writeStockUint8Artifact } from './stock-artifact.ts';
import { tfjsReadRows } from './tfjs-read-cases.ts';

/**
 * Runs the `formats` suite's cases on inputs generated in a fresh temporary directory (inside
 * `temporaryRoot`, the OS's by default), which is removed afterwards whatever happens. `sizes`
 * overrides the quick or full sizes (tests use tiny ones). Node only: it reads and writes files
 * and starts child processes.
 *
 * @example
 * ```ts
 * const { rows } = await runFormatsSuite({ quick: true });
 * ```
 */
export async function runFormatsSuite(options: SuiteOptions = {}, sizes?: FormatsSizes, temporaryRoot = tmpdir()): Promise<SuiteResult> {
  const chosen = sizes ?? (options.quick === true ? QUICK_FORMATS_SIZES : FULL_FORMATS_SIZES);
  const progress = options.onProgress ?? (() => {});
  // tfjs's decoder makes tensors on a backend: cpu keeps the decoded arrays as they are.
  const backend = await useBackend(options.backends?.[0] ?? 'cpu');
  const directory = await mkdtemp(join(temporaryRoot, 'whittle-bench-formats-'));
  try {
    const tfjsDirectory = join(directory, 'tfjs');
    await mkdir(tfjsDirectory);
    progress('write a stock uint8 TFJS artifact');
    const artifact = await writeStockUint8Artifact(tfjsDirectory, chosen.tfjsWeights, { shardBytes: chosen.shardBytes, seed: 1 });
    const rows = await tfjsReadRows(artifact, chosen, backend.name, progress);
    // Free the disk (and page cache) before writing the larger checkpoint.
    await rm(tfjsDirectory, { recursive: true, force: true });
    const safetensorsDirectory = join(directory, 'safetensors');
    await mkdir(safetensorsDirectory);
    rows.push(...(await safetensorsRewriteRows(safetensorsDirectory, chosen, progress)));
    return { rows, backends: [backend] };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
