import { isWhittleError } from '@whittle/core';
import '@whittle/lowrank/register';
import '@whittle/prune/register';
import '@whittle/quantize/register';
import { Option } from 'commander';
import { describe, expect, test } from 'vitest';
import { fieldOf } from './one-step-recipe.ts';
import { LOWRANK_VERB } from './lowrank-verb.ts';
import { PRUNE_VERB } from './prune-verb.ts';
import { QUANTIZE_VERB } from './quantize-verb.ts';
import { verbStep, type VerbCommandOptions } from './verb-command.ts';
import { FILTER_FLAGS } from './verb-definition.ts';

const VERBS = [QUANTIZE_VERB, PRUNE_VERB, LOWRANK_VERB];

describe.each(VERBS.map((verb) => [verb.name, verb] as const))('%s', (_name, verb) => {
  // rejectUnknownFields runs first in every step reader: a field the kind does not know fails
  // as "unknown field" whatever else is wrong with the step, so this catches a flag table that
  // has drifted from the kinds' fields.
  test('every field a flag sets is one its kind reads', () => {
    for (const method of verb.methods) {
      for (const flag of [...verb.flags, ...FILTER_FLAGS]) {
        if (fieldOf(flag, method.name) === undefined) continue;
        const value = flag.value === 'switch' ? true : flag.value === 'list' ? ['x/**'] : '1';
        const options = { method: method.name, [new Option(flag.name).attributeName()]: value } as VerbCommandOptions;
        try {
          verbStep(verb, options);
        } catch (error) {
          expect(isWhittleError(error), String(error)).toBe(true);
          expect((error as Error).message, `${method.name} ${flag.name}`).not.toMatch(/unknown field/);
          expect((error as { field?: string }).field, `${method.name} ${flag.name}: ${String(error)}`).toMatch(/^--[a-z]/);
        }
      }
    }
  });

  test('flag names are unique, kebab-case, and none is a shared output flag', () => {
    const names = [...verb.flags, ...FILTER_FLAGS].map(({ name }) => name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^--[a-z]+(-[a-z]+)*$/);
    for (const shared of ['--method', '--preset', '--output', '--json', '--force', '--shard-size', '--data', '--calibration', '--print-recipe']) {
      expect(names).not.toContain(shared);
    }
  });

  test('every flag applies to some method, and every method is a registered kind of the family', () => {
    for (const flag of verb.flags) expect(verb.methods.some(({ name }) => fieldOf(flag, name) !== undefined), flag.name).toBe(true);
    for (const method of verb.methods) expect(method.kind.startsWith(`${verb.name}.`), method.kind).toBe(true);
  });
});
