import { escapeControlCharacters } from '@whittle/core';
import type { InspectListing } from '../model-files/inspect-model.ts';
import { formatBytes, formatCount, formatFixed } from './numbers.ts';
import { textWidth, type TableColumn } from './table.ts';

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
  const count = report.tensorCount;
  yield `model: ${escapeControlCharacters(path)} (${report.format}), ${formatCount(count)} ${count === 1 ? 'tensor' : 'tensors'}\n\n`;
  // One pass over the listing formats every cell once: each row keeps its name's text and width,
  // and the number of its entry in a table of the rest of its cells, which most rows of a large
  // listing share with others. The columns are sized from those texts, then each line is the
  // name, its padding and the shared, padded text of the rest.
  const rests = new RestTable();
  rests.add(INSPECT_COLUMNS.slice(1).map(({ header }) => header));
  const names: string[] = [];
  const nameWidths = new GrowableUint32();
  const restIds = new GrowableUint32();
  let nameWidth = textWidth('name');
  const counts = boundedMemo((params: number) => formatCount(params));
  const sizes = boundedMemo((bytes: number) => formatBytes(bytes));
  const bits = boundedMemo((ratio: number) => formatFixed(ratio, 2));
  // The row above's inputs and entry: a run of rows alike but for their names takes one entry.
  let lastRole: string | undefined;
  let lastShape: readonly number[] = [];
  let lastEncoding: string | undefined;
  let lastParams = Number.NaN;
  let lastBytes = Number.NaN;
  let lastId = -1;
  for (const tensor of report.tensors()) {
    const display = escapeControlCharacters(tensor.name);
    const width = display === tensor.name && isPlainAscii(display) ? display.length : textWidth(display);
    names.push(display);
    nameWidths.push(width);
    if (width > nameWidth) nameWidth = width;
    const { role, shape, encoding, params, bytes } = tensor;
    if (lastId < 0 || role !== lastRole || encoding !== lastEncoding || !Object.is(params, lastParams) || !Object.is(bytes, lastBytes) || !sameShape(shape, lastShape)) {
      lastId = rests.add([role, formatShape(shape), encoding, counts(params), sizes(bytes), params === 0 ? '' : bits((8 * bytes) / params)]);
      lastRole = role;
      lastShape = shape;
      lastEncoding = encoding;
      lastParams = params;
      lastBytes = bytes;
    }
    restIds.push(lastId);
  }
  const totalId = rests.add(['', '', '', formatCount(report.params), formatBytes(report.bytes), bitsPerWeight(report.bytes, report.params)]);
  nameWidth = Math.max(nameWidth, textWidth('total'));
  const restTexts = rests.texts();
  const line = (display: string, width: number, restId: number): string => {
    const rest = restTexts[restId]!;
    // A rest of nothing but padding is trimmed away with the name's own trailing white space.
    return rest.length === 0 ? display.trimEnd() : display + padding(nameWidth - width) + rest;
  };
  let lines = [line('name', textWidth('name'), 0), ['-'.repeat(nameWidth), ...rests.widths.map((width) => '-'.repeat(width))].join('  ')];
  let first = true;
  for (let index = 0; index < names.length; index++) {
    lines.push(line(names[index]!, nameWidths.values[index]!, restIds.values[index]!));
    if (lines.length >= LINES_PER_CHUNK) {
      yield (first ? '' : '\n') + lines.join('\n');
      first = false;
      lines = [];
    }
  }
  lines.push(line('total', textWidth('total'), totalId));
  yield (first ? '' : '\n') + lines.join('\n');
}

/** The listing's columns: the name, then the cells a {@link RestTable} holds. */
const INSPECT_COLUMNS: readonly TableColumn[] = [
  { header: 'name' },
  { header: 'role' },
  { header: 'shape' },
  { header: 'encoding' },
  { header: 'params', align: 'right' },
  { header: 'bytes', align: 'right' },
  { header: 'bits/weight', align: 'right' },
];

/** Lines of the listing per chunk of {@link inspectReportChunks}. */
const LINES_PER_CHUNK = 10_000;

/** Entries a {@link RestTable} finds again by their text before it starts afresh. */
const REMEMBERED_RESTS = 4096;

/**
 * The cells of a listing's rows after the name, one entry per distinct run of them (rows share
 * entries), each cell escaped and measured once; its padded text is made once the widths are known.
 */
class RestTable {
  /** Per column, each entry's escaped cell. */
  private readonly cells: string[][] = INSPECT_COLUMNS.slice(1).map(() => []);
  readonly widths: number[] = INSPECT_COLUMNS.slice(1).map(() => 0);
  /** Entries by their cells' text: rows that alternate between a few kinds share them. */
  private known = new Map<string, number>();
  private size = 0;

  /** The entry of `cells` (one per column after the name), added when new. */
  add(cells: readonly string[]): number {
    const key = cells.join('\u0000');
    const found = this.known.get(key);
    if (found !== undefined) return found;
    if (this.known.size >= REMEMBERED_RESTS) this.known = new Map();
    for (let column = 0; column < cells.length; column++) {
      const cell = escapeControlCharacters(cells[column]!);
      this.cells[column]!.push(cell);
      this.widths[column] = Math.max(this.widths[column]!, textWidth(cell));
    }
    this.known.set(key, this.size);
    return this.size++;
  }

  /** Each entry's text after the name: two spaces and the padded cell per column, trailing white space trimmed. */
  texts(): string[] {
    const texts: string[] = [];
    for (let id = 0; id < this.size; id++) {
      let text = '';
      for (let column = 0; column < this.cells.length; column++) {
        const cell = this.cells[column]![id]!;
        const fill = padding(this.widths[column]! - textWidth(cell));
        text += INSPECT_COLUMNS[column + 1]!.align === 'right' ? `  ${fill}${cell}` : `  ${cell}${fill}`;
      }
      texts.push(text.trimEnd());
    }
    return texts;
  }
}

/** A growable Uint32Array: a number per row of a listing that may have a million. */
class GrowableUint32 {
  values = new Uint32Array(1024);
  private length = 0;
  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Uint32Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }
}

/** Spaces sliced for padding, rather than a fresh run of them per cell. */
const SPACES = ' '.repeat(256);

function padding(size: number): string {
  if (size <= 0) return '';
  return size <= SPACES.length ? SPACES.slice(0, size) : ' '.repeat(size);
}

/** True when `text` is printable ASCII only, so its width is its length. */
function isPlainAscii(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || code > 0x7e) return false;
  }
  return true;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let axis = 0; axis < a.length; axis++) if (!Object.is(a[axis], b[axis])) return false;
  return true;
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
