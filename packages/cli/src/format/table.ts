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
 * may be made as they are needed rather than held.
 *
 * @example
 * ```ts
 * for (const chunk of formatTableChunks(columns, () => rows)) process.stdout.write(chunk);
 * ```
 */
export function* formatTableChunks(columns: readonly TableColumn[], rows: () => Iterable<readonly string[]>): Generator<string> {
  // Cells are escaped as they are measured and again as they are laid out, rather than kept
  // escaped: a copy of every cell of a million rows would double what the table holds.
  const widths = columns.map(({ header }) => textWidth(escapeControlCharacters(header)));
  for (const row of rows()) {
    for (let index = 0; index < columns.length; index++) {
      widths[index] = Math.max(widths[index]!, textWidth(escapeControlCharacters(row[index] ?? '')));
    }
  }
  const line = (cells: readonly string[]): string => {
    let text = '';
    for (let index = 0; index < columns.length; index++) {
      if (index > 0) text += '  ';
      text += pad(escapeControlCharacters(cells[index] ?? ''), widths[index]!, columns[index]!.align ?? 'left');
    }
    return text.trimEnd();
  };
  let lines = [line(columns.map(({ header }) => header)), widths.map((width) => '-'.repeat(width)).join('  ')];
  let first = true;
  for (const row of rows()) {
    lines.push(line(row));
    if (lines.length >= LINES_PER_CHUNK) {
      yield (first ? '' : '\n') + lines.join('\n');
      first = false;
      lines = [];
    }
  }
  if (lines.length > 0) yield (first ? '' : '\n') + lines.join('\n');
}

function pad(text: string, width: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, width - textWidth(text)));
  return align === 'right' ? fill + text : text + fill;
}

/** Display width in a terminal: code points, not UTF-16 units (so `∞` and `×` count as one). */
function textWidth(text: string): number {
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
