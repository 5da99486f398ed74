import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_ERROR_LOCATION_LENGTH,
  MAX_ERROR_TEXT_LENGTH,
  WhittleError,
  boundText,
  escapeControlCharacters,
  locateError,
} from './errors.ts';

// The longest message a WhittleError can have: file, step, field and text, with separators.
const MAX_MESSAGE_LENGTH = 2 * MAX_ERROR_LOCATION_LENGTH + MAX_ERROR_TEXT_LENGTH + 40;

/** A line a terminal prints as it is: no C0/C1 controls, separators or lone surrogates. */
function isPrintableLine(text: string): boolean {
  return !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(text) && isWellFormed(text);
}

/** No lone surrogates (`String.prototype.isWellFormed`, written out for older targets). */
function isWellFormed(text: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}

describe('WhittleError messages', () => {
  it('cut a million-dimension shape to one short line', () => {
    const shape = new Array(1_000_000).fill(1).join(', ');
    const error = new WhittleError('invalid-tensor', `shape [${shape}] is too long`, { field: 'shape', file: 'm.safetensors' });
    expect(error.message.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
    expect(error.message.startsWith('m.safetensors: shape: shape [1, 1, 1')).toBe(true);
    // The verdict at the end survives the cut.
    expect(error.message.endsWith('is too long')).toBe(true);
    expect(error.message).toContain('…');
  });

  it('are one printable bounded line whatever the file, field and text hold', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 2000 }),
        fc.string({ unit: 'binary', maxLength: 2000 }),
        fc.string({ unit: 'binary', maxLength: 2000 }),
        (file, field, text) => {
          const error = new WhittleError('malformed-file', text, { file, field, step: 3 });
          expect(error.message.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
          expect(isPrintableLine(error.message)).toBe(true);
          expect(error.detail).toBe(text);
          expect(error.file).toBe(file);
        },
      ),
    );
  });
});

describe('escapeControlCharacters', () => {
  it('escapes what a terminal would act on and keeps the rest', () => {
    expect(escapeControlCharacters('a\nb\u001b[31mc\u0085\u2028\t')).toBe('a\\nb\\u001b[31mc\\u0085\\u2028\\t');
    expect(escapeControlCharacters('\ud800x\udc00')).toBe('\\ud800x\\udc00');
    expect(escapeControlCharacters('fc.weight 😀 ∞ é')).toBe('fc.weight 😀 ∞ é');
  });

  it('is the identity on printable text and printable otherwise', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const escaped = escapeControlCharacters(text);
        expect(isPrintableLine(escaped)).toBe(true);
        if (isPrintableLine(text)) expect(escaped).toBe(text);
      }),
    );
  });
});

describe('boundText', () => {
  it('keeps short text and cuts long text around an ellipsis', () => {
    expect(boundText('short', 10)).toBe('short');
    expect(boundText('x'.repeat(1000), 8)).toBe('xxxxxx…x');
    expect(boundText('a\nb', 2)).toBe('a…');
  });

  it('never exceeds its limit nor splits a surrogate pair', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 500 }), fc.integer({ min: 2, max: 300 }), (text, limit) => {
        const bounded = boundText(text, limit);
        expect(bounded.length).toBeLessThanOrEqual(limit);
        expect(isWellFormed(bounded)).toBe(true);
        expect(isPrintableLine(bounded)).toBe(true);
      }),
    );
  });
});

describe('locateError', () => {
  it('adds the file and puts the field under the caller’s', () => {
    const inner = new WhittleError('invalid-tensor', 'bool data must be 0 or 1, got 7', { field: 'data[1]' });
    const located = locateError(inner, { file: 'm.safetensors', field: 'header["mask"]' }) as WhittleError;
    expect(located).toBeInstanceOf(WhittleError);
    expect(located.code).toBe('invalid-tensor');
    expect(located.file).toBe('m.safetensors');
    expect(located.field).toBe('header["mask"].data[1]');
    expect(located.message).toBe('m.safetensors: header["mask"].data[1]: bool data must be 0 or 1, got 7');
    expect(located.cause).toBe(inner);
  });

  it('keeps an error that names its file, and anything that is not a WhittleError', () => {
    const named = new WhittleError('malformed-file', 'bad', { file: 'a.safetensors' });
    expect(locateError(named, { file: 'b.safetensors' })).toBe(named);
    const plain = new RangeError('x');
    expect(locateError(plain, { file: 'b.safetensors' })).toBe(plain);
  });

  it('re-codes when asked, keeping the step', () => {
    const inner = new WhittleError('invalid-tensor', 'element 1 is NaN', { field: 'params["w"].data[1]', step: 0 });
    const located = locateError(inner, { file: 'm.safetensors' }, 'malformed-file') as WhittleError;
    expect(located.code).toBe('malformed-file');
    expect(located.message).toBe('m.safetensors: step 0: params["w"].data[1]: element 1 is NaN');
  });
});
