import fc from 'fast-check';
import { expect, test } from 'vitest';
import { denseEncoding } from '../encoding/dense.ts';
import { encodingParts } from '../encoding/serialize.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import { encodingArbitrary } from '../testing/arbitraries.ts';
import { describeEncoding } from './describe-encoding.ts';

test('an encoding and its metadata are described alike', () => {
  expect(describeEncoding(denseEncoding(hostTensor('float32', [2])))).toBe('dense float32');
  fc.assert(
    fc.property(encodingArbitrary(), (encoding) => {
      expect(describeEncoding(encodingParts(encoding).metadata)).toBe(describeEncoding(encoding));
    }),
    { numRuns: 300 },
  );
});

test('untrusted metadata never throws: unknown fields show as ?', () => {
  expect(describeEncoding({ kind: 'affine', bits: 4 })).toBe('affine ?4 ?');
  expect(describeEncoding({ kind: 'sparse', layout: { kind: 'nm', n: 2 }, values: null })).toBe('sparse 2:? (? (unknown encoding))');
  expect(describeEncoding({ kind: 'lowrank', left: {}, right: 3 })).toBe('lowrank rank ? (? (unknown encoding) × ? (unknown encoding))');
  expect(describeEncoding('dense')).toBe('? (unknown encoding)');
  expect(describeEncoding({ kind: 'magic' })).toBe('magic (unknown encoding)');
});
