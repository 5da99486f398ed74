/**
 * Text from a result made safe for HTML: a row or model name can hold any characters.
 */

const REPLACEMENTS: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  // Line breaks a parser may normalise to a newline (XML's rules do) survive as references.
  '\r': '&#13;',
  '\u2028': '&#8232;',
  '\u2029': '&#8233;',
};

/**
 * `text` escaped for HTML text and for quoted attribute values, so no string taken from a result
 * can open a tag, close an attribute or start an entity.
 *
 * @example
 * ```ts
 * escapeHtml('<img src=x onerror=alert(1)>'); // '&lt;img src=x onerror=alert(1)&gt;'
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'\r\u2028\u2029]/g, (character) => REPLACEMENTS[character]!);
}

/**
 * `text` as one printable line of at most `limit` characters: control characters (a newline in a
 * name, an escape sequence) become spaces and a longer text is cut around an ellipsis, so a
 * megabyte-long name neither swamps a table nor a plot label.
 *
 * @example
 * ```ts
 * shortLabel('int8\nfake row', 40); // 'int8 fake row'
 * ```
 */
export function shortLabel(text: string, limit: number): string {
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
  // Whole code points from each end (2 × limit code units hold at least limit of them), so a cut
  // never splits a surrogate pair.
  const start = Array.from(line.slice(0, 2 * limit + 2));
  if (start.length <= limit && line.length <= 2 * limit + 2) return line;
  const headCount = Math.ceil((limit - 1) / 2);
  const tailCount = limit - 1 - headCount;
  const tail = tailCount > 0 ? Array.from(line.slice(-2 * limit)).slice(-tailCount) : [];
  return `${start.slice(0, headCount).join('')}…${tail.join('')}`;
}
