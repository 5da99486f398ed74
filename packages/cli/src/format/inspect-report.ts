import { escapeControlCharacters } from '@whittle/core';
import type { InspectListing, InspectedTensor } from '../model-files/inspect-model.ts';
import { formatBytes, formatCount, formatFixed } from './numbers.ts';
import { formatTableChunks, type TableColumn } from './table.ts';

/**
 * An inspect report as text: what was read, then one row per param (name, role, shape,
 * encoding, params, bytes, bits per weight) and a total row.
 *
 * @example
 * ```ts
 * io.stdout(formatInspectReport('model.safetensors', report));
 * ```
 */
export function formatInspectReport(path: string, report: InspectListing): string {
  return [...inspectReportChunks(path, report)].join('');
}

/**
 * {@link formatInspectReport}'s text in pieces which joined are exactly its result, so a
 * listing of a million tensors is written out piece by piece.
 *
 * @example
 * ```ts
 * for (const chunk of inspectReportChunks('model.safetensors', report)) io.stdout(chunk);
 * ```
 */
export function* inspectReportChunks(path: string, report: InspectListing): Generator<string> {
  // Made as the table needs them, twice, rather than held: a listing may have a million rows.
  // Most rows of a large listing repeat a few sizes, so their texts are made once each.
  const counts = boundedMemo((params: number) => formatCount(params));
  const sizes = boundedMemo((bytes: number) => formatBytes(bytes));
  const bits = boundedMemo((ratio: number) => formatFixed(ratio, 2));
  function* rows(): Generator<string[]> {
    for (const tensor of report.tensors()) {
      yield [
        tensor.name,
        tensor.role,
        formatShape(tensor.shape),
        tensor.encoding,
        counts(tensor.params),
        sizes(tensor.bytes),
        tensor.params === 0 ? '' : bits((8 * tensor.bytes) / tensor.params),
      ];
    }
    yield ['total', '', '', '', formatCount(report.params), formatBytes(report.bytes), bitsPerWeight(report.bytes, report.params)];
  }
  const columns: TableColumn[] = [
    { header: 'name' },
    { header: 'role' },
    { header: 'shape' },
    { header: 'encoding' },
    { header: 'params', align: 'right' },
    { header: 'bytes', align: 'right' },
    { header: 'bits/weight', align: 'right' },
  ];
  const count = report.tensorCount;
  yield `model: ${escapeControlCharacters(path)} (${report.format}), ${formatCount(count)} ${count === 1 ? 'tensor' : 'tensors'}\n\n`;
  yield* formatTableChunks(columns, rows);
}

/** Tensors per chunk of {@link inspectReportJsonChunks}. */
const TENSORS_PER_CHUNK = 10_000;

/**
 * `JSON.stringify(report, null, 2)` in pieces which joined are exactly it, so a listing of a
 * million tensors is written out piece by piece instead of as one string of hundreds of
 * megabytes.
 *
 * @example
 * ```ts
 * for (const chunk of inspectReportJsonChunks(report)) io.stdout(chunk);
 * ```
 */
export function* inspectReportJsonChunks(report: InspectListing): Generator<string> {
  const head = { format: report.format, params: report.params, bytes: report.bytes };
  if (report.tensorCount === 0) {
    yield JSON.stringify({ ...head, tensors: [] }, null, 2);
    return;
  }
  // The report's own key order, with a placeholder list whose text is cut off at its first element.
  const text = JSON.stringify({ ...head, tensors: [0] }, null, 2);
  const placeholder = text.lastIndexOf('\n    0\n  ]');
  yield text.slice(0, placeholder + 1);
  let batch: InspectedTensor[] = [];
  let first = true;
  const flush = function* (): Generator<string> {
    // A batch as a list of its own, one level in: its brackets dropped, its lines indented once more.
    const list = JSON.stringify(batch, null, 2);
    yield (first ? '  ' : ',\n  ') + list.slice(2, -2).replace(/\n/g, '\n  ');
    first = false;
    batch = [];
  };
  for (const tensor of report.tensors()) {
    batch.push(tensor);
    if (batch.length === TENSORS_PER_CHUNK) yield* flush();
  }
  if (batch.length > 0) yield* flush();
  yield text.slice(placeholder + '\n    0'.length);
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

/** `format`, remembering up to a thousand of its results (then starting afresh). */
function boundedMemo(format: (value: number) => string): (value: number) => string {
  let known = new Map<number, string>();
  return (value) => {
    let text = known.get(value);
    if (text === undefined) {
      if (known.size >= 1000) known = new Map();
      text = format(value);
      known.set(value, text);
    }
    return text;
  };
}

function bitsPerWeight(bytes: number, params: number): string {
  return params === 0 ? '' : formatFixed((8 * bytes) / params, 2);
}
