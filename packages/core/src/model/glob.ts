import { WhittleError } from '../errors.ts';
import { describeValue } from '../tensor/shape.ts';

/**
 * Compiles a param-name glob to an anchored RegExp. Names are split into `/`-separated segments:
 *
 * - `*` matches any run of characters within one segment (`dense_*`, `*.weight`);
 * - `?` matches one character other than `/`;
 * - `**` as a whole segment (leading, trailing or between slashes) matches zero or more whole
 *   segments (`encoder/**` matches `encoder` and everything under it); elsewhere it acts as `*`,
 *   as in `.gitignore`;
 * - every other character matches itself (regex syntax is escaped), except the characters
 *   other glob dialects give meanings these globs do not implement, `[ ] { } ( ) ! \`, which
 *   are rejected (see {@link unsupportedGlobSyntax}) rather than silently matching nothing.
 *
 * Built so that matching takes time polynomial in the name length whatever the glob: each run
 * between wildcards is matched at its earliest position through an atomic lookahead, which is
 * exact for these wildcards (a later `*` or `**` can always absorb what an earlier match skipped),
 * so the engine never backtracks across wildcards.
 *
 * @example
 * ```ts
 * globToRegExp('dense_?/kernel').test('dense_1/kernel'); // true
 * globToRegExp('encoder/**').test('encoder/layer_0/kernel'); // true
 * // A leading `**` segment (written with join: the pattern would end this comment).
 * globToRegExp(['**', 'bias'].join('/')).test('block/conv/bias'); // true
 * globToRegExp(['*', 'bias'].join('/')).test('block/conv/bias'); // false
 * ```
 */
export function globToRegExp(glob: string): RegExp {
  if (typeof glob !== 'string') {
    throw new WhittleError('invalid-argument', `a glob must be a string, got ${describeValue(glob)}`, { field: 'glob' });
  }
  const unsupported = unsupportedGlobSyntax(glob);
  if (unsupported !== undefined) throw new WhittleError('invalid-argument', unsupported, { field: 'glob' });
  const groups = { count: 0 };
  const items = collapse(glob.split('/'));
  if (items.length === 1 && items[0] === '**') return new RegExp('^[^]*$', 'u');

  let source = '^';
  let index = 0;
  // The leading block is anchored at the start: no search needed.
  while (index < items.length && items[index] !== '**') {
    source += segmentSource(items[index]!, groups);
    index++;
    if (index < items.length && items[index] !== '**') source += '/';
  }
  while (index < items.length) {
    // items[index] is '**'; gather the block of plain segments that follows it.
    const isFirst = index === 0;
    index++;
    const block: string[] = [];
    while (index < items.length && items[index] !== '**') block.push(items[index++]!);
    // A leading block already consumed its last segment; `**` then starts with the separator.
    const separator = isFirst ? '' : '/';
    const skipSegments = '(?:[^/]*/)*?';
    if (block.length === 0) {
      // A trailing `**`: the name may end here or go on with any segments.
      source += '(?:/[^]*)?';
    } else if (index >= items.length) {
      // The last block is anchored at the end; trying each segment start is linear.
      source += `${separator}${skipSegments}${blockSource(block, groups)}`;
    } else {
      // A middle block: taken at its earliest segment, atomically. Its group opens before the
      // groups inside it, so it takes its number first.
      const group = ++groups.count;
      source += `${separator}(?=(${skipSegments}${blockSource(block, groups)}))\\${group}`;
    }
  }
  return new RegExp(`${source}$`, 'u');
}

/**
 * Characters that other glob dialects make special (classes `[ab]`, braces `{a,b}`, extglobs
 * `!(a)` `+(a)`, negation `!a`, escapes `\*`) and these globs do not implement. Taking them
 * literally would make such a glob silently match nothing, so they are refused instead.
 */
const UNSUPPORTED_CHARACTERS = '[]{}()!\\';

/**
 * Why `glob` uses syntax these globs do not support, in one short sentence, or `undefined` when
 * it uses only `*`, `**`, `?` and literal characters.
 *
 * @example
 * ```ts
 * unsupportedGlobSyntax('dense_{1,2}/kernel'); // 'unsupported glob syntax "{" in …'
 * unsupportedGlobSyntax('dense_?/kernel'); // undefined
 * ```
 */
export function unsupportedGlobSyntax(glob: string): string | undefined {
  for (const character of glob) {
    if (UNSUPPORTED_CHARACTERS.includes(character)) {
      return (
        `unsupported glob syntax ${JSON.stringify(character)} in ${JSON.stringify(glob)}: ` +
        'only * (within a segment), ** (across segments) and ? (one character) are special'
      );
    }
  }
  return undefined;
}

/** Consecutive `**` segments mean the same as one. */
function collapse(segments: readonly string[]): string[] {
  const items: string[] = [];
  for (const segment of segments) {
    if (segment === '**' && items[items.length - 1] === '**') continue;
    items.push(segment);
  }
  return items;
}

function blockSource(block: readonly string[], groups: { count: number }): string {
  return block.map((segment) => segmentSource(segment, groups)).join('/');
}

/**
 * One segment: literal runs and `?` separated by `*`. The first run is anchored at the segment
 * start, the last at its end, and each middle run taken at its earliest position atomically.
 */
function segmentSource(segment: string, groups: { count: number }): string {
  const runs = segment.split(/\*+/);
  if (runs.length === 1) return `${runSource(segment)}(?![^/])`;
  let source = runSource(runs[0]!);
  for (let index = 1; index < runs.length - 1; index++) {
    const group = ++groups.count;
    source += `(?=([^/]*?${runSource(runs[index]!)}))\\${group}`;
  }
  return `${source}[^/]*${runSource(runs[runs.length - 1]!)}(?![^/])`;
}

function runSource(run: string): string {
  let source = '';
  for (const character of run) {
    if (character === '?') source += '[^/]';
    else source += /[\\^$.*+?()[\]{}|/]/.test(character) ? `\\${character}` : character;
  }
  return source;
}
