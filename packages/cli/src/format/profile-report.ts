/**
 * `whittle profile`'s output: a table of the layers with totals, or JSON.
 */
import { escapeControlCharacters, type ModelProfile } from '@whittle/core';
import { formatBytes, formatCount, formatFixed, formatSi } from './numbers.ts';
import { formatTable, type TableColumn } from './table.ts';

const COLUMNS: readonly TableColumn[] = [
  { header: 'layer' },
  { header: 'type' },
  { header: 'params', align: 'right' },
  { header: 'bytes', align: 'right' },
  { header: 'FLOPs', align: 'right' },
  { header: 'activations', align: 'right' },
  { header: 'ms', align: 'right' },
  { header: 'params %', align: 'right' },
  { header: 'bytes %', align: 'right' },
  { header: 'FLOPs %', align: 'right' },
  { header: 'time %', align: 'right' },
];

/**
 * The profile as a text table: one row per layer (FLOPs are multiply-adds; `-` where a figure is
 * not known), a total row, the whole model's time beside the sum of the layers' times, and the
 * notes that say why figures are missing.
 *
 * @example
 * ```ts
 * io.stdout(formatProfileReport('model/model.json', await profile(model)));
 * ```
 */
export function formatProfileReport(path: string, result: ModelProfile): string {
  const rows = result.layers.map((layer) => [
    layer.name,
    layer.type,
    formatCount(layer.params),
    formatBytes(layer.bytes),
    optional(layer.flops, (value) => formatSi(value)),
    optional(layer.activationBytes, formatBytes),
    optional(layer.milliseconds, (value) => formatFixed(value, 3)),
    percent(layer.shares.params),
    percent(layer.shares.bytes),
    percent(layer.shares.flops),
    percent(layer.shares.time),
  ]);
  const { totals } = result;
  rows.push([
    'total',
    '',
    formatCount(totals.params),
    formatBytes(totals.bytes),
    optional(totals.flops, (value) => formatSi(value)),
    optional(totals.activationBytes, formatBytes),
    optional(totals.layerMilliseconds, (value) => formatFixed(value, 3)),
    '',
    '',
    '',
    '',
  ]);
  const lines = [`${escapeControlCharacters(path)}: ${result.format}${result.inputShapes === null ? '' : `, input ${result.inputShapes.map((shape) => `[${shape.join(', ')}]`).join(' ')}`}`];
  lines.push(formatTable(COLUMNS, rows).trimEnd());
  if (totals.peakActivationBytes !== null) lines.push(`peak activations alive at once: ${formatBytes(totals.peakActivationBytes)}`);
  if (result.backend !== null) {
    lines.push(
      `time on ${result.backend}, median of ${result.runs} runs after ${result.warmup} warm-up: ` +
        `whole model ${optional(totals.modelMilliseconds, (value) => `${formatFixed(value, 3)} ms`)}, ` +
        `layers alone ${optional(totals.layerMilliseconds, (value) => `${formatFixed(value, 3)} ms`)} in all`,
    );
  }
  const notes = [...result.notes, ...noteCounts(result)];
  // Notes can quote a model's names or tfjs's messages: escaped like every other cell.
  for (const note of notes) lines.push(`note: ${escapeControlCharacters(note)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The profile as JSON text: every figure a number or null (never a string such as `"Infinity"`).
 *
 * @example
 * ```ts
 * JSON.parse(profileJson(result)).totals.params; // 101770
 * ```
 */
export function profileJson(result: ModelProfile): string {
  return `${JSON.stringify(result, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2)}\n`;
}

/** Each distinct layer note once, with how many layers it applies to. */
function noteCounts(result: ModelProfile): string[] {
  const counts = new Map<string, number>();
  for (const layer of result.layers) for (const note of layer.notes) counts.set(note, (counts.get(note) ?? 0) + 1);
  return [...counts].map(([note, count]) => (count === 1 ? note : `${note} (${count} layers)`));
}

function optional(value: number | null, format: (value: number) => string): string {
  return value === null ? '-' : format(value);
}

function percent(share: number | null): string {
  return share === null ? '-' : formatFixed(share * 100, 1);
}
