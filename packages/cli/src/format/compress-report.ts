import { escapeControlCharacters } from '@whittle/core';
import type { CompressReport, ModelSize } from '../compress/compress-report.ts';
import type { DecompressReport } from '../compress/decompress-file.ts';
import { formatBytes, formatCount, formatFixed } from './numbers.ts';
import { formatTable } from './table.ts';

/**
 * What `whittle compress` printed as text: input and output sizes and the ratio, the output's
 * gzipped size (what a browser downloads), then one row
 * per recipe step with the bytes after it and its time, then what each step noted.
 *
 * @example
 * ```ts
 * io.stdout(formatCompressReport({ input: 'in', output: 'out', report }));
 * ```
 */
export function formatCompressReport(run: { readonly input: string; readonly output: string; readonly report: CompressReport }): string {
  const { report } = run;
  const table = formatTable(
    [{ header: 'step', align: 'right' }, { header: 'kind' }, { header: 'bytes after', align: 'right' }, { header: 'seconds', align: 'right' }],
    report.steps.map((step, index) => [String(index + 1), step.kind, formatBytes(step.bytes), step.seconds.toFixed(3)]),
  );
  return [
    `input:  ${run.input}: ${formatSize(report.input)}`,
    `output: ${run.output}: ${formatSize(report.output)} (${formatFixed(report.ratio, 2)}× smaller)`,
    // What a browser downloads: every written file (model.json too) gzipped.
    `gzip:   ${formatBytes(report.output.gzipBytes)} to download (each written file gzipped)`,
    '',
    table,
    // Notes (groups a step left alone, and why) follow the table, one per line, numbered by step.
    ...report.steps.flatMap((step, index) => step.notes.map((note) => `step ${index + 1} ${step.kind}: ${escapeControlCharacters(note)}`)),
  ].join('\n');
}

/**
 * What `whittle decompress` printed as text: input and output sizes and the stock dtype.
 *
 * @example
 * ```ts
 * io.stdout(formatDecompressReport({ input: 'small', output: 'plain', report }));
 * ```
 */
export function formatDecompressReport(run: { readonly input: string; readonly output: string; readonly report: DecompressReport }): string {
  return [
    `input:  ${run.input}: ${formatSize(run.report.input)}`,
    `output: ${run.output}: ${formatSize(run.report.output)}, float params stored as ${run.report.dtype}`,
  ].join('\n');
}

function formatSize(size: ModelSize): string {
  return `${formatCount(size.params)} params, ${formatBytes(size.bytes)}`;
}
