import { describeEncoding, encodingParts } from '@whittle/core';
import { encodingArbitrary } from '@whittle/core/test';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { describeEncodingMetadata } from './describe-metadata.ts';

test('describes any encoding from its metadata exactly as core describes the encoding', () => {
  fc.assert(
    fc.property(encodingArbitrary(), (encoding) => {
      expect(describeEncodingMetadata(encodingParts(encoding).metadata)).toBe(describeEncoding(encoding));
    }),
    { numRuns: 300 },
  );
});

test('untrusted metadata never throws: unknown fields show as ?', () => {
  expect(describeEncodingMetadata({ kind: 'affine', bits: 4 })).toBe('affine ?4 ?');
  expect(describeEncodingMetadata({ kind: 'sparse', layout: { kind: 'nm', n: 2 }, values: null })).toBe('sparse 2:? (? (unknown encoding))');
  expect(describeEncodingMetadata({ kind: 'lowrank', left: {}, right: 3 })).toBe('lowrank rank ? (? (unknown encoding) × ? (unknown encoding))');
  expect(describeEncodingMetadata('dense')).toBe('? (unknown encoding)');
  expect(describeEncodingMetadata({ kind: 'magic' })).toBe('magic (unknown encoding)');
});
