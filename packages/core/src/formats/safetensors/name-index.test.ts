import fc from 'fast-check';
import { expect, test } from 'vitest';
import { NameIndex } from './name-index.ts';

test('adds and finds names as a Set does, across joined batches and table growth', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 6 }), { maxLength: 300 }), fc.array(fc.string({ maxLength: 6 }), { maxLength: 20 }), (names, probes) => {
      const oracle = new Set<string>();
      const index = new NameIndex();
      for (const name of names) {
        expect(index.add(name)).toBe(!oracle.has(name));
        oracle.add(name);
      }
      expect(index.size).toBe(oracle.size);
      for (const probe of [...probes, ...names]) expect(index.has(probe)).toBe(oracle.has(probe));
    }),
  );
});

test('tells apart ten thousand names that share a prefix, after batches are joined', () => {
  const index = new NameIndex();
  for (let at = 0; at < 10_000; at++) expect(index.add(`layers.${at}.weight`)).toBe(true);
  for (let at = 0; at < 10_000; at += 7) expect(index.add(`layers.${at}.weight`)).toBe(false);
  expect(index.has('layers.10000.weight')).toBe(false);
  expect(index.has('layers.9999.weight')).toBe(true);
  expect(index.size).toBe(10_000);
});
