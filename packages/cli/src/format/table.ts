/** One column of a text table. */
export interface TableColumn {
  readonly header: string;
  /** Numbers read best right-aligned; text left-aligned (the default). */
  readonly align?: 'left' | 'right';
}

/**
 * Lays rows of cells out as a plain-text table: a header, a rule, and columns padded to their
 * widest cell, separated by two spaces. No colours or box characters, so it pastes anywhere.
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
  const widths = columns.map((column, index) =>
    Math.max(textWidth(column.header), ...rows.map((row) => textWidth(row[index] ?? ''))),
  );
  const line = (cells: readonly string[]): string =>
    columns
      .map((column, index) => pad(cells[index] ?? '', widths[index]!, column.align ?? 'left'))
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [line(columns.map(({ header }) => header)), rule, ...rows.map(line)].join('\n');
}

function pad(text: string, width: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, width - textWidth(text)));
  return align === 'right' ? fill + text : text + fill;
}

/** Display width in a terminal: code points, not UTF-16 units (so `∞` and `×` count as one). */
function textWidth(text: string): number {
  return [...text].length;
}
