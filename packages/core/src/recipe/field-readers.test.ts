import { describe, expect, it } from 'vitest';
import {
  readBoolean,
  readEnum,
  readFilter,
  readInteger,
  readNumber,
  readString,
  rejectUnknownFields,
} from './field-readers.ts';

const at = { step: 2 };
const error = (field: string) => expect.objectContaining({ code: 'invalid-recipe', step: 2, field });

describe('field readers', () => {
  it('read valid fields, defaults and nested paths', () => {
    const step = { kind: 'k', bits: 4, ratio: 0.5, on: false, name: 'x', mode: 'a', granularity: { kind: 'group', size: 32 } };
    expect(readInteger(step, 'bits', { min: 1, max: 8 }, at)).toBe(4);
    expect(readInteger(step, 'missing', { default: 3 }, at)).toBe(3);
    expect(readInteger(step, 'granularity.size', { min: 1 }, at)).toBe(32);
    expect(readInteger(step, 'absent.size', { default: 7 }, at)).toBe(7);
    expect(readNumber(step, 'ratio', { min: 0, max: 1, maxExclusive: true }, at)).toBe(0.5);
    expect(readBoolean(step, 'on', {}, at)).toBe(false);
    expect(readBoolean(step, 'missing', { default: true }, at)).toBe(true);
    expect(readString(step, 'name', {}, at)).toBe('x');
    expect(readEnum(step, 'mode', ['a', 'b'] as const, {}, at)).toBe('a');
    expect(readEnum(step, 'missing', ['a', 'b'] as const, { default: 'b' }, at)).toBe('b');
  });

  it.each([
    [() => readInteger({ bits: 9 }, 'bits', { min: 1, max: 8 }, at), 'bits'],
    [() => readInteger({ bits: 4.5 }, 'bits', {}, at), 'bits'],
    [() => readInteger({ bits: Number.NaN }, 'bits', {}, at), 'bits'],
    [() => readInteger({ bits: 1e300 }, 'bits', {}, at), 'bits'],
    [() => readInteger({ bits: '4' }, 'bits', {}, at), 'bits'],
    [() => readInteger({}, 'bits', {}, at), 'bits'],
    [() => readInteger({ granularity: 3 }, 'granularity.size', {}, at), 'granularity'],
    [() => readNumber({ ratio: 1 }, 'ratio', { max: 1, maxExclusive: true }, at), 'ratio'],
    [() => readNumber({ ratio: Number.POSITIVE_INFINITY }, 'ratio', {}, at), 'ratio'],
    [() => readBoolean({ on: 'yes' }, 'on', {}, at), 'on'],
    [() => readString({ name: '' }, 'name', {}, at), 'name'],
    [() => readEnum({ mode: 'c' }, 'mode', ['a', 'b'], {}, at), 'mode'],
    [() => readEnum({ mode: 'toString' }, 'mode', ['a'], {}, at), 'mode'],
    [() => readFilter({ include: 'dense/*' }, at), 'include'],
    [() => readFilter({ include: [''] }, at), 'include[0]'],
    [() => readFilter({ exclude: ['ok', 42] }, at), 'exclude[1]'],
    [() => readFilter({ exclude: ['x'.repeat(1001)] }, at), 'exclude[0]'],
    [() => readFilter({ roles: ['kernel'] }, at), 'roles[0]'],
  ])('%# names the field %s', (read, field) => {
    expect(read).toThrow(error(field));
  });

  it('does not read inherited properties as fields', () => {
    expect(() => readInteger({}, 'constructor.length', {}, at)).toThrow(error('constructor.length'));
    expect(readInteger({}, 'toString', { default: 1 }, at)).toBe(1);
  });

  it('reads a filter, leaving absent fields absent', () => {
    expect(readFilter({ kind: 'x' }, at)).toStrictEqual({});
    expect(readFilter({ include: ['a/**'], roles: ['bias'] }, at)).toStrictEqual({ include: ['a/**'], roles: ['bias'] });
  });

  it('rejects unknown fields, suggesting the one meant', () => {
    expect(() => rejectUnknownFields({ kind: 'x', dtype: 'float16', inclde: [] }, ['dtype', 'include'], at)).toThrow(
      /unknown field "inclde" \(did you mean "include"\?\)/,
    );
    expect(() => rejectUnknownFields({ kind: 'x', zzzzzz: 1 }, ['dtype'], at)).toThrow(error('zzzzzz'));
    expect(() => rejectUnknownFields({ kind: 'x', dtype: 1 }, ['dtype'], at)).not.toThrow();
    const nested = { kind: 'x', granularity: { kind: 'group', sise: 32 } };
    expect(() => rejectUnknownFields(nested, ['size'], at, 'granularity')).toThrow(error('granularity.sise'));
    expect(() => rejectUnknownFields({ granularity: 'group' }, ['size'], at, 'granularity')).toThrow(error('granularity'));
    expect(() => rejectUnknownFields({}, ['size'], at, 'granularity')).not.toThrow();
  });
});
