import { escapeControlCharacters } from '@whittle/core';

/** One column of a text table. */
export interface TableColumn {
  readonly header: string;
  /** Numbers read best right-aligned; text left-aligned (the default). */
  readonly align?: 'left' | 'right';
}

/**
 * Lays rows of cells out as a plain-text table: a header, a rule, and columns padded to their
 * widest cell, separated by two spaces. No colours or box characters, so it pastes anywhere.
 * Cells often hold names from a model file, so control characters in them are escaped (`\n`,
 * `\u001b`): a name can neither start a fake row nor send a terminal escape sequence. Linear in
 * the number of cells, for tables of a million rows.
 *
 * @example
 * ```ts
 * formatTable([{ header: 'variant' }, { header: 'bytes', align: 'right' }], [['float16', '470 kB']]);
 * // variant    bytes
 * // -------  ------
 * // float16   470 kB
 * ```
 */
export function formatTable(columns: readonly TableColumn[], rows: readonly (readonly string[])[]): string {
  return [...formatTableChunks(columns, () => rows)].join('');
}

/** Lines of a table per chunk of {@link formatTableChunks}. */
const LINES_PER_CHUNK = 10_000;

/**
 * {@link formatTable}'s text in pieces of some thousand lines, which joined are exactly its
 * result: a table of a million rows can be written out piece by piece instead of held whole.
 * `rows` is called twice, once to measure the columns and once to lay them out, so the rows
 * may be made as they are needed rather than held. A caller that can size its columns more
 * cheaply than by making every cell twice measures them itself and calls
 * {@link layoutTableChunks}.
 *
 * @example
 * ```ts
 * for (const chunk of formatTableChunks(columns, () => rows)) process.stdout.write(chunk);
 * ```
 */
export function* formatTableChunks(columns: readonly TableColumn[], rows: () => Iterable<readonly string[]>): Generator<string> {
  const widths = columns.map(() => 0);
  for (const row of rows()) {
    for (let index = 0; index < columns.length; index++) widths[index] = Math.max(widths[index]!, cellWidth(row[index] ?? ''));
  }
  yield* layoutTableChunks(columns, widths, rows());
}

/**
 * The columns a cell takes in a table: its display width once control characters are escaped,
 * measured without making the escaped text when there is nothing to escape.
 *
 * @example
 * ```ts
 * cellWidth('2.00×'); // 5
 * cellWidth('a\nb'); // 4: the newline shows as \n
 * ```
 */
export function cellWidth(text: string): number {
  return textWidth(escapeControlCharacters(text));
}

/**
 * A table laid out in one pass over its rows, given each column's width (at least its widest
 * cell, as {@link cellWidth} measures; a header wider than that widens its column), in pieces of
 * some thousand lines. The text is {@link formatTable}'s for the same rows when the widths are
 * those of the widest cells. `rows` may hand the same array back for every row (it is read
 * before the next is asked for). Cells repeated from the row above (most of a listing's roles,
 * shapes and sizes) reuse that row's padded text.
 *
 * @example
 * ```ts
 * for (const chunk of layoutTableChunks(columns, [7, 6], rows)) process.stdout.write(chunk);
 * ```
 */
export function* layoutTableChunks(
  columns: readonly TableColumn[],
  cellWidths: readonly number[],
  rows: Iterable<readonly string[]>,
): Generator<string> {
  const widths = columns.map(({ header }, index) => Math.max(cellWidths[index] ?? 0, cellWidth(header)));
  const rightAligned = columns.map(({ align }) => align === 'right');
  const last = columns.length - 1;
  // Per column, the cell of the row above and its padded text.
  const previousCells: (string | undefined)[] = columns.map(() => undefined);
  const previousPadded: string[] = columns.map(() => '');
  const padCell = (cell: string, index: number): string => {
    if (cell === previousCells[index]) return previousPadded[index]!;
    const padded = pad(escapeControlCharacters(cell), widths[index]!, rightAligned[index]!);
    previousCells[index] = cell;
    previousPadded[index] = padded;
    return padded;
  };
  // The text of the row above from its second cell on: a row that differs from it only in its
  // first cell (a listing's name) reuses it whole.
  let previousRest = '';
  const line = (cells: readonly string[]): string => {
    let same = true;
    for (let index = 1; index <= last && same; index++) same = (cells[index] ?? '') === previousCells[index];
    let rest = previousRest;
    if (!same) {
      rest = '';
      for (let index = 1; index <= last; index++) rest += `  ${padCell(cells[index] ?? '', index)}`;
      previousRest = rest;
    }
    const text = last < 0 ? '' : padCell(cells[0] ?? '', 0) + rest;
    // Only a line ending in white space (padding, or a cell's own) needs trimming: a check of
    // its last unit spares a call per line.
    const end = text.charCodeAt(text.length - 1);
    return end === 0x20 || end > 0x7f ? text.trimEnd() : text;
  };
  let lines = [line(columns.map(({ header }) => header)), widths.map((width) => '-'.repeat(width)).join('  ')];
  let first = true;
  for (const row of rows) {
    lines.push(line(row));
    if (lines.length >= LINES_PER_CHUNK) {
      yield (first ? '' : '\n') + lines.join('\n');
      first = false;
      lines = [];
    }
  }
  if (lines.length > 0) yield (first ? '' : '\n') + lines.join('\n');
}

/** Spaces sliced for padding, rather than a fresh run of them per cell. */
const SPACES = ' '.repeat(256);

function pad(text: string, width: number, right: boolean): string {
  const size = Math.max(0, width - textWidth(text));
  if (size === 0) return text;
  const fill = size <= SPACES.length ? SPACES.slice(0, size) : ' '.repeat(size);
  return right ? fill + text : text + fill;
}

/**
 * Display width in a terminal: code points, not UTF-16 units (so `∞` and `×` count as one). For
 * text already escaped; {@link cellWidth} measures a raw cell.
 *
 * @example
 * ```ts
 * textWidth('2.00×'); // 5
 * ```
 */
export function textWidth(text: string): number {
  let width = text.length;
  // Each surrogate pair is one code point in two units; counting them avoids an array per cell.
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        width -= 1;
        index += 1;
      }
    }
  }
  return width;
}
