import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWhittleError } from '../errors.ts';
import { globToRegExp, unsupportedGlobSyntax } from './glob.ts';

/** The glob semantics written plainly, segment by segment, as the oracle for the compiled RegExp. */
function referenceMatch(glob: string, name: string): boolean {
  const globSegments: string[] = [];
  for (const segment of glob.split('/')) {
    if (!(segment === '**' && globSegments[globSegments.length - 1] === '**')) globSegments.push(segment);
  }
  if (globSegments.length === 1 && globSegments[0] === '**') return true;
  const nameSegments = name.split('/');
  const memo = new Map<string, boolean>();
  const match = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    let result: boolean;
    if (i === globSegments.length) result = j === nameSegments.length;
    else if (globSegments[i] === '**') result = match(i + 1, j) || (j < nameSegments.length && match(i, j + 1));
    else result = j < nameSegments.length && segmentMatch(globSegments[i]!, nameSegments[j]!) && match(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return match(0, 0);
}

/**
 * The glob semantics as a plain RegExp that backtracks freely (exponential on hostile globs, so
 * only for small inputs): `*` is `[^/]*`, `?` is `[^/]`, a whole `**` segment is any run of whole
 * segments, and everything else is escaped.
 */
function referenceRegExp(glob: string): RegExp {
  const segments: string[] = [];
  for (const segment of glob.split('/')) {
    if (!(segment === '**' && segments[segments.length - 1] === '**')) segments.push(segment);
  }
  const last = segments.length - 1;
  let source = '';
  segments.forEach((segment, index) => {
    if (segment === '**') {
      if (index === last) source += index === 0 ? '[^]*' : '(?:/[^]*)?';
      else source += '(?:[^]*/)?';
      return;
    }
    for (const character of segment) {
      if (character === '*') source += '[^/]*';
      else if (character === '?') source += '[^/]';
      else source += character.replace(/[.+|^$/\\]/, (special) => `\\${special}`);
    }
    // The separator after a plain segment, unless a trailing `**` (which brings its own) follows.
    const next = segments[index + 1];
    if (next !== undefined && !(next === '**' && index + 1 === last)) source += '/';
  });
  return new RegExp(`^${source}$`);
}

function segmentMatch(pattern: string, text: string): boolean {
  // Classic dynamic programme: reachable[j] — pattern prefix matches text prefix of length j.
  let reachable = Array.from({ length: text.length + 1 }, (_, j) => j === 0);
  for (const character of pattern) {
    const next = new Array<boolean>(text.length + 1).fill(false);
    for (let j = 0; j <= text.length; j++) {
      if (character === '*') next[j] = reachable[j]! || (j > 0 && next[j - 1]!);
      else if (j > 0 && reachable[j - 1]) next[j] = character === '?' || character === text[j - 1];
    }
    reachable = next;
  }
  return reachable[text.length]!;
}

describe('globToRegExp', () => {
  it.each([
    ['dense_*/kernel', 'dense_1/kernel', true],
    ['dense_*/kernel', 'dense_1/bias', false],
    ['*/bias', 'block/conv/bias', false],
    ['**/bias', 'block/conv/bias', true],
    ['**/bias', 'bias', true],
    ['encoder/**', 'encoder', true],
    ['encoder/**', 'encoder/layer/0', true],
    ['encoder/**', 'encoders/layer', false],
    ['a/**/b', 'a/b', true],
    ['a/**/b', 'a/x/y/b', true],
    ['a/**/b', 'a/x/y/bc', false],
    ['**', 'anything/at/all', true],
    ['dense?/kernel', 'dense1/kernel', true],
    ['dense?/kernel', 'dense/kernel', false],
    ['*.weight', 'model.layers.0.mlp.weight', true],
    ['model.layers.*.mlp.*', 'model.layers.11.mlp.up_proj.weight', true],
    ['a.b', 'axb', false],
    ['a+b|^$.c@', 'a+b|^$.c@', true],
    ['a+b', 'aab', false],
    ['**/x/**/y', 'a/x/b/x/y', true],
    ['**/a*b', 'xb/ab', true],
    ['**/b/*c', 'xb/b/c/bc', false],
  ])('%s against %s is %s', (glob, name, expected) => {
    expect(globToRegExp(glob).test(name)).toBe(expected);
  });

  it('agrees with the plain segment-by-segment definition', () => {
    const globs = fc.string({ unit: fc.constantFrom('a', 'b', '/', '*', '?'), maxLength: 12 });
    const names = fc.string({ unit: fc.constantFrom('a', 'b', '/'), maxLength: 12 });
    fc.assert(
      fc.property(globs, names, (glob, name) => {
        expect(globToRegExp(glob).test(name)).toBe(referenceMatch(glob, name));
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with a plain backtracking RegExp built from the supported syntax', () => {
    const globs = fc.array(fc.constantFrom('a', 'b', '.', '+', '/', '*', '**', '?', '**/'), { maxLength: 8 }).map((pieces) => pieces.join(''));
    const names = fc.string({ unit: fc.constantFrom('a', 'b', '.', '+', '/'), maxLength: 10 });
    fc.assert(
      fc.property(globs, names, (glob, name) => {
        expect(globToRegExp(glob).test(name)).toBe(referenceRegExp(glob).test(name));
      }),
      { numRuns: 3000 },
    );
  });

  it('compiles every string of the supported syntax, and rejects any other with a typed error', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (glob) => {
        const unsupported = /[[\]{}()!\\]/.test(glob);
        if (unsupported) {
          expect(() => globToRegExp(glob)).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'glob' }));
          expect(unsupportedGlobSyntax(glob)).toMatch(/^unsupported glob syntax /);
        } else {
          expect(unsupportedGlobSyntax(glob)).toBeUndefined();
          expect(globToRegExp(glob)).toBeInstanceOf(RegExp);
        }
      }),
    );
  });

  it.each(['dense_{1,2}/kernel', 'layers.[13].weight', '!head/**', 'a\\*b', '+(a|b)', '@(a)', 'x(y)z'])(
    'rejects %s, which other glob dialects read differently',
    (glob) => {
      expect(() => globToRegExp(glob)).toThrow(/unsupported glob syntax ".+" in .*: only \* \(within a segment\), \*\* \(across segments\) and \? \(one character\) are special/);
    },
  );

  it('matches in time linear in the name length on pathological globs', () => {
    // A backtracking translation takes exponential or polynomial time on these; the compiled
    // globs take time proportional to the name for a given glob. Each sample times the same
    // glob on a name and on one 8 times as long (best of three, to damp noise): a quadratic
    // matcher would take 64 times as long, a linear one 8.
    const pieces = fc.constantFrom('*', '**', '*a', 'a*', '?', '*?', '**/', '/', 'a', '/a*/');
    const globs = fc.array(pieces, { minLength: 4, maxLength: 30 }).map((parts) => `${parts.join('')}c`);
    const motifs = fc.string({ unit: fc.constantFrom('a', '/'), minLength: 1, maxLength: 6 });
    const time = (pattern: RegExp, name: string): number => {
      let best = Infinity;
      for (let repeat = 0; repeat < 3; repeat++) {
        const started = performance.now();
        pattern.test(name);
        best = Math.min(best, performance.now() - started);
      }
      return best;
    };
    fc.assert(
      fc.property(globs, motifs, (glob, motif) => {
        const pattern = globToRegExp(glob);
        const short = motif.repeat(Math.ceil(4000 / motif.length));
        const long = motif.repeat(Math.ceil(32000 / motif.length));
        const shortTime = time(pattern, short);
        const longTime = time(pattern, long);
        expect(longTime).toBeLessThan(shortTime * 24 + 20);
      }),
      { numRuns: 40 },
    );
  });

  it('rejects a non-string with a typed error', () => {
    expect(() => globToRegExp(42 as unknown as string)).toThrow(
      expect.objectContaining({ code: 'invalid-argument', field: 'glob' }),
    );
    try {
      globToRegExp(null as unknown as string);
    } catch (error) {
      expect(isWhittleError(error)).toBe(true);
    }
  });
});
