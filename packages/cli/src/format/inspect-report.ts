import { escapeControlCharacters } from '@whittle/core';
import type { InspectListing, InspectedTensor } from '../model-files/inspect-model.ts';
import { formatBytes, formatCount, formatFixed } from './numbers.ts';
import { cellWidth, layoutTableChunks, type TableColumn } from './table.ts';

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
  // Made as the table needs them rather than held: a listing may have a million rows. Most rows
  // of a large listing repeat a few sizes, so their texts are made once each.
  const counts = boundedMemo((params: number) => formatCount(params));
  const sizes = boundedMemo((bytes: number) => formatBytes(bytes));
  const bits = boundedMemo((ratio: number) => formatFixed(ratio, 2));
  const columns: TableColumn[] = [
    { header: 'name' },
    { header: 'role' },
    { header: 'shape' },
    { header: 'encoding' },
    { header: 'params', align: 'right' },
    { header: 'bytes', align: 'right' },
    { header: 'bits/weight', align: 'right' },
  ];
  const total = ['total', '', '', '', formatCount(report.params), formatBytes(report.bytes), bitsPerWeight(report.bytes, report.params)];
  // The columns are sized in a pass that makes no row's text but the short, shared ones: a
  // shape's width is counted from its digits, and a cell equal to the one above is not measured again.
  const widths = total.map((cell) => cellWidth(cell));
  const measured: (string | undefined)[] = columns.map(() => undefined);
  const measure = (index: number, cell: string): void => {
    if (cell === measured[index]) return;
    measured[index] = cell;
    widths[index] = Math.max(widths[index]!, cellWidth(cell));
  };
  for (const tensor of report.tensors()) {
    widths[0] = Math.max(widths[0]!, cellWidth(tensor.name));
    measure(1, tensor.role);
    widths[2] = Math.max(widths[2]!, shapeWidth(tensor.shape));
    measure(3, tensor.encoding);
    measure(4, counts(tensor.params));
    measure(5, sizes(tensor.bytes));
    if (tensor.params !== 0) measure(6, bits((8 * tensor.bytes) / tensor.params));
  }
  // A shape like the row above's reuses its text, so the table sees the same cell and reuses its padding.
  let lastShape: readonly number[] = [];
  let lastShapeText = formatShape(lastShape);
  const shapeText = (shape: readonly number[]): string => {
    if (!sameShape(shape, lastShape)) {
      lastShape = shape;
      lastShapeText = formatShape(shape);
    }
    return lastShapeText;
  };
  // One array refilled for every row: the table reads a row before it asks for the next.
  const row: string[] = new Array<string>(columns.length).fill('');
  function* rows(): Generator<string[]> {
    for (const tensor of report.tensors()) {
      row[0] = tensor.name;
      row[1] = tensor.role;
      row[2] = shapeText(tensor.shape);
      row[3] = tensor.encoding;
      row[4] = counts(tensor.params);
      row[5] = sizes(tensor.bytes);
      row[6] = tensor.params === 0 ? '' : bits((8 * tensor.bytes) / tensor.params);
      yield row;
    }
    yield total;
  }
  const count = report.tensorCount;
  yield `model: ${escapeControlCharacters(path)} (${report.format}), ${formatCount(count)} ${count === 1 ? 'tensor' : 'tensors'}\n\n`;
  yield* layoutTableChunks(columns, widths, rows());
}

/**
 * The width of {@link formatShape}'s text, counted rather than made: digits per dimension, two
 * brackets and a comma and space between dimensions.
 */
function shapeWidth(shape: readonly number[]): number {
  let width = 2 + Math.max(0, 2 * (shape.length - 1));
  for (const dimension of shape) width += Number.isSafeInteger(dimension) && dimension >= 0 ? digitCount(dimension) : String(dimension).length;
  return width;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let axis = 0; axis < a.length; axis++) if (!Object.is(a[axis], b[axis])) return false;
  return true;
}

function digitCount(value: number): number {
  let digits = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  return digits;
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
  // Each entry is written as JSON.stringify lays it out (two spaces an indent, the list three
  // levels in), so only the name is escaped per row; the role and encoding repeat from row to row.
  const role = lastOf((value: string) => JSON.stringify(value));
  const encoding = lastOf((value: string) => JSON.stringify(value));
  let entries: string[] = [];
  let first = true;
  for (const tensor of report.tensors()) {
    entries.push(
      `    {\n      "name": ${JSON.stringify(tensor.name)},\n      "role": ${role(tensor.role)},\n      "shape": ${shapeJson(tensor.shape)},\n` +
        `      "encoding": ${encoding(tensor.encoding)},\n      "params": ${numberJson(tensor.params)},\n      "bytes": ${numberJson(tensor.bytes)}\n    }`,
    );
    if (entries.length === TENSORS_PER_CHUNK) {
      yield (first ? '' : ',\n') + entries.join(',\n');
      first = false;
      entries = [];
    }
  }
  if (entries.length > 0) yield (first ? '' : ',\n') + entries.join(',\n');
  yield text.slice(placeholder + '\n    0'.length);
}

/** A shape as `JSON.stringify(report, null, 2)` writes it at a tensor entry's depth. */
function shapeJson(shape: readonly number[]): string {
  if (shape.length === 0) return '[]';
  let text = '[';
  for (let axis = 0; axis < shape.length; axis++) text += `${axis === 0 ? '' : ','}\n        ${numberJson(shape[axis]!)}`;
  return `${text}\n      ]`;
}

/** A number as JSON writes it: what String gives a finite one, `null` otherwise. */
function numberJson(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}

/** `format`, remembering its last argument and result: a listing's roles and encodings come in runs. */
function lastOf(format: (value: string) => string): (value: string) => string {
  let last: string | undefined;
  let text = '';
  return (value) => {
    if (value !== last) {
      last = value;
      text = format(value);
    }
    return text;
  };
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
