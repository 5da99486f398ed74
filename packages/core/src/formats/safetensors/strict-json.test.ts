import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MAX_JSON_DEPTH, parseStrictJson } from './strict-json.ts';

describe('parseStrictJson', () => {
  test('parses like JSON.parse and keeps top-level keys in text order', () => {
    const text = '{"b": 1, "0": {"x": [1, {"y": "a,b\\"}"}]}, "a\\u0062": null}';
    expect(parseStrictJson(text)).toEqual({ value: JSON.parse(text), keys: ['b', '0', 'ab'] });
  });

  test('finds duplicate keys, escaped or nested, with the path to their object', () => {
    expect(parseStrictJson('{"w": 1, "w": 2}')).toEqual({ kind: 'duplicate-key', key: 'w', path: [] });
    expect(parseStrictJson('{"w": 1, "\\u0077": 2}')).toMatchObject({ kind: 'duplicate-key', key: 'w' });
    expect(parseStrictJson('{"t": {"shape": [1], "shape": [2]}}')).toEqual({
      kind: 'duplicate-key',
      key: 'shape',
      path: ['t'],
    });
    // The same key in sibling objects is fine.
    expect(parseStrictJson('{"a": {"k": 1}, "b": {"k": 2}, "c": [{"k": 1}, {"k": 2}]}')).toHaveProperty('keys');
  });

  test('rejects deep nesting before JSON.parse builds it, and reports syntax errors', () => {
    expect(parseStrictJson('['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1))).toEqual({
      kind: 'too-deep',
    });
    expect(parseStrictJson('['.repeat(1_000_000))).toEqual({ kind: 'too-deep' });
    expect(parseStrictJson('{"a": 1')).toMatchObject({ kind: 'syntax' });
    expect(parseStrictJson('{"a')).toMatchObject({ kind: 'syntax' });
  });

  test('agrees with JSON.parse on valid JSON without duplicates, and never throws', () => {
    fc.assert(
      fc.property(fc.json({ depthSize: 'small' }), fc.string(), (text, noise) => {
        const parsed = parseStrictJson(text);
        if ('value' in parsed) expect(parsed.value).toEqual(JSON.parse(text));
        parseStrictJson(text + noise);
        parseStrictJson(noise);
      }),
      { numRuns: 300 }
    );
  });
});
