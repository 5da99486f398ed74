import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWhittleError } from '../errors.ts';
import { globToRegExp } from './glob.ts';

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
    ['a+(b)[c]{1}|^$\\', 'a+(b)[c]{1}|^$\\', true],
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

  it('compiles any string without throwing', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (glob) => void globToRegExp(glob)));
  });

  it('stays fast on inputs that make naive translations backtrack exponentially', () => {
    const started = performance.now();
    const stars = globToRegExp(`${'*a'.repeat(30)}*b`);
    expect(stars.test('a'.repeat(5000))).toBe(false);
    const segments = globToRegExp(`${'**/a/'.repeat(20)}b`);
    expect(segments.test('a/'.repeat(2000) + 'c')).toBe(false);
    const mixed = globToRegExp(`**/${'*?'.repeat(20)}x/**/${'a*'.repeat(20)}z`);
    expect(mixed.test(`${'a'.repeat(300)}/`.repeat(30))).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
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
