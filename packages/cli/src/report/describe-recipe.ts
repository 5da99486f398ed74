/**
 * A row's recipe as short JSON-like text for the report, whatever the recipe holds.
 */

/** The most characters of recipe text a report cell shows. */
export const MAX_RECIPE_TEXT = 2_000;
const MAX_DEPTH = 12;
const MAX_ITEMS = 64;
const MAX_STRING = 200;

/**
 * `recipe` as JSON text of at most `limit` characters. Unlike `JSON.stringify` it never throws
 * and never walks more than it prints: nesting deeper than a dozen levels, cycles, long lists and
 * long strings are cut with an ellipsis, and values JSON has no form for (bigints, functions,
 * non-finite numbers) are written as text.
 *
 * @example
 * ```ts
 * describeRecipe({ steps: [{ kind: 'quantize.int8' }] }); // '{"steps":[{"kind":"quantize.int8"}]}'
 * ```
 */
export function describeRecipe(recipe: unknown, limit = MAX_RECIPE_TEXT): string {
  const parts: string[] = [];
  let length = 0;
  const emit = (text: string): boolean => {
    parts.push(text);
    length += text.length;
    return length <= limit;
  };
  const walk = (value: unknown, depth: number): boolean => {
    if (value === null || value === undefined) return emit('null');
    if (typeof value === 'number') return emit(Number.isFinite(value) ? String(value) : JSON.stringify(String(value)));
    if (typeof value === 'boolean') return emit(String(value));
    if (typeof value === 'string') return emit(JSON.stringify(value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value));
    if (typeof value === 'bigint') return emit(JSON.stringify(`${value}n`));
    if (typeof value !== 'object') return emit(JSON.stringify(`(${typeof value})`));
    if (depth >= MAX_DEPTH) return emit('…');
    const list = Array.isArray(value);
    const keys = list ? [] : Object.keys(value);
    const count = list ? value.length : keys.length;
    if (!emit(list ? '[' : '{')) return false;
    for (let at = 0; at < Math.min(count, MAX_ITEMS); at++) {
      if (at > 0 && !emit(',')) return false;
      if (list) {
        if (!walk(value[at], depth + 1)) return false;
      } else {
        const key = keys[at]!;
        if (!emit(`${JSON.stringify(key.length > MAX_STRING ? `${key.slice(0, MAX_STRING)}…` : key)}:`)) return false;
        if (!walk((value as Record<string, unknown>)[key], depth + 1)) return false;
      }
    }
    if (count > MAX_ITEMS && !emit(',…')) return false;
    return emit(list ? ']' : '}');
  };
  try {
    walk(recipe, 0);
  } catch {
    // A getter or a proxy that throws: the report still stands without the recipe.
    return '(the recipe cannot be shown)';
  }
  const text = parts.join('');
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}
