import { escapeControlCharacters } from '@whittle/core';
import type { InspectReport } from '../model-files/inspect-model.ts';
import { formatBytes, formatCount, formatFixed } from './numbers.ts';
import { formatTable } from './table.ts';

/**
 * An inspect report as text: what was read, then one row per param (name, role, shape,
 * encoding, params, bytes, bits per weight) and a total row.
 *
 * @example
 * ```ts
 * io.stdout(formatInspectReport('model.safetensors', report));
 * ```
 */
export function formatInspectReport(path: string, report: InspectReport): string {
  const rows = report.tensors.map((tensor) => [
    tensor.name,
    tensor.role,
    formatShape(tensor.shape),
    tensor.encoding,
    formatCount(tensor.params),
    formatBytes(tensor.bytes),
    bitsPerWeight(tensor.bytes, tensor.params),
  ]);
  rows.push(['total', '', '', '', formatCount(report.params), formatBytes(report.bytes), bitsPerWeight(report.bytes, report.params)]);
  const table = formatTable(
    [
      { header: 'name' },
      { header: 'role' },
      { header: 'shape' },
      { header: 'encoding' },
      { header: 'params', align: 'right' },
      { header: 'bytes', align: 'right' },
      { header: 'bits/weight', align: 'right' },
    ],
    rows,
  );
  const count = report.tensors.length;
  const title = `model: ${escapeControlCharacters(path)} (${report.format}), ${formatCount(count)} ${count === 1 ? 'tensor' : 'tensors'}`;
  return [title, '', table].join('\n');
}

/**
 * A shape as `[784, 256]`; a scalar is `[]`.
 *
 * @example
 * ```ts
 * formatShape([784, 256]); // '[784, 256]'
 * ```
 */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function bitsPerWeight(bytes: number, params: number): string {
  return params === 0 ? '' : formatFixed((8 * bytes) / params, 2);
}
