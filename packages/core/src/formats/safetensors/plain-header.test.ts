import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parsePlainHeader } from './plain-header.ts';

/** JSON.parse's pairs in text order: the oracle (the texts here have no integer-like keys). */
function oracle(text: string): { keys: string[]; values: unknown[] } {
  const value = JSON.parse(text) as Record<string, unknown>;
  return { keys: Object.keys(value), values: Object.values(value) };
}

const whitespace = fc.constantFrom('', ' ', '\n', '\t', '\r\n', '  ');
const name = fc.stringMatching(/^[a-z_.][a-z0-9_.]{0,12}$/).filter((text) => text !== '__proto__');
const integer = fc.nat({ max: 2 ** 40 });

describe('parsePlainHeader', () => {
  test('gives the pairs JSON.parse gives, whatever the whitespace and field order', () => {
    const entry = fc.record({
      dtype: fc.constantFrom('F32', 'F16', 'BF16', 'I8', 'U8', 'BOOL'),
      shape: fc.array(integer, { maxLength: 4 }),
      data_offsets: fc.tuple(integer, integer),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(name, entry), { selector: ([key]) => key, maxLength: 8 }),
        fc.option(fc.dictionary(name, fc.stringMatching(/^[ -!#-[\]-~]{0,8}$/), { maxKeys: 3 })),
        fc.array(whitespace, { minLength: 200, maxLength: 200 }),
        fc.boolean(),
        (pairs, metadata, spaces, reverseFields) => {
          let gap = 0;
          const space = (): string => spaces[gap++ % spaces.length]!;
          const parts: string[] = [];
          if (metadata !== null) {
            const inner = Object.entries(metadata).map(([key, value]) => `${space()}"${key}"${space()}:${space()}"${value}"`);
            parts.push(`"__metadata__":${space()}{${inner.join(',')}${space()}}`);
          }
          for (const [key, value] of pairs) {
            const fields = Object.entries(value).map(([field, item]) => `${space()}"${field}"${space()}:${space()}${JSON.stringify(item).replace(/,/g, `${space()},${space()}`)}`);
            if (reverseFields) fields.reverse();
            parts.push(`${space()}"${key}"${space()}:${space()}{${fields.join(',')}}${space()}`);
          }
          const text = `${space()}{${parts.join(',')}}${space()}   `;
          expect(parsePlainHeader(text)).toEqual(oracle(text));
        },
      ),
    );
  });

  test('reads entries written with no white space as it reads them spaced out', () => {
    // Entries with no white space take a one-pass path; spaced out, the same entries are read
    // field by field. Both must agree, and with JSON.parse wherever they accept the text.
    const token = fc.oneof(
      integer.map(String),
      fc.constantFrom('0', '01', '00', '123456789012345', '1234567890123456', '-1', '1.5', '1e3', '', 'x', '2 '),
    );
    const compactEntry = fc.record({
      name,
      dtype: fc.constantFrom('F32', 'BF16', 'I64', 'X9', '', 'F\\u0033', 'é8'),
      shape: fc.array(token, { maxLength: 3 }),
      offsets: fc.array(token, { maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.uniqueArray(compactEntry, { selector: (entry) => entry.name, maxLength: 4 }), (entries) => {
        const body = entries.map(({ name: key, dtype, shape, offsets }) => `"${key}":{"dtype":"${dtype}","shape":[${shape.join(',')}],"data_offsets":[${offsets.join(',')}]}`);
        const compact = `{${body.join(',')}}`;
        const spaced = compact.replace(/([{:,[])/g, '$1 ');
        const read = parsePlainHeader(compact);
        expect(read).toEqual(parsePlainHeader(spaced));
        if (read !== undefined) expect(read).toEqual(oracle(compact));
      }),
      { numRuns: 500 },
    );
  });

  test('keeps "__proto__" in metadata as an own entry, as JSON.parse does', () => {
    const text = '{"__metadata__":{"__proto__":"x"}}';
    expect(parsePlainHeader(text)?.values[0]).toEqual(JSON.parse(text).__metadata__);
    expect(Object.keys(parsePlainHeader(text)!.values[0] as object)).toEqual(['__proto__']);
  });

  test('gives up on anything outside the common shape, for the general path to judge', () => {
    for (const text of [
      '{"w\\u0041":{}}', // an escape
      '{"w":{"dtype":"F32"},"w":{}}', // a duplicate tensor
      '{"w":{"dtype":"F32","dtype":"F16"}}', // a duplicate field
      '{"__metadata__":{"a":"1","a":"2"}}', // a duplicate metadata key
      '{"w":{"extra":1}}', // an unknown field
      '{"w":{"shape":[1.5]}}', // a float
      '{"w":{"shape":[-1]}}', // a sign
      '{"w":{"shape":[01]}}', // a leading zero
      '{"w":{"shape":[1e3]}}', // an exponent
      '{"w":{"shape":[1234567890123456]}}', // past the safe digits
      '{"w":{"shape":[1,]}}', // a trailing comma
      '{"w":{"dtype":"F\t32"}}', // a raw control character
      '{"w":{"dtype":null}}', // another type
      '{"w":{}} x', // text after the object
      '{"w":{}', // cut short
      '[]',
      '\ufeff{}',
    ]) {
      expect(parsePlainHeader(text), text).toBeUndefined();
    }
  });
});
