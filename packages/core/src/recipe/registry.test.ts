import { describe, expect, it } from 'vitest';
import { castHandler } from './cast.ts';
import { defaultRegistry, registerRecipeHandler } from './default-registry.ts';
import { createRecipeRegistry } from './registry.ts';
import type { RecipeHandler } from './types.ts';

const handler = (kind: string): RecipeHandler => ({
  kind,
  description: 'test',
  effect: 're-encodes-params' as const,
  validate: (step) => step,
  apply: (model) => model,
});

describe('recipe registries', () => {
  it('registers, finds and lists handlers', () => {
    const registry = createRecipeRegistry([handler('b.second'), handler('a.first')]);
    expect(registry.kinds()).toEqual(['a.first', 'b.second']);
    expect(registry.has('a.first')).toBe(true);
    expect(registry.get('a.first')?.kind).toBe('a.first');
    expect(registry.get('missing')).toBeUndefined();
  });

  it('refuses a second handler for a kind unless asked to replace it', () => {
    const registry = createRecipeRegistry([handler('x')]);
    expect(() => registry.register(handler('x'))).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'kind' }));
    const replacement = handler('x');
    registry.register(replacement, { replace: true });
    expect(registry.get('x')).toBe(replacement);
  });

  it('rejects things that are not handlers', () => {
    const registry = createRecipeRegistry();
    expect(() => registry.register(null as never)).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
    expect(() => registry.register({ ...handler('x'), kind: '' })).toThrow(expect.objectContaining({ field: 'kind' }));
    expect(() => registry.register({ ...handler('x'), apply: 1 } as never)).toThrow(expect.objectContaining({ field: 'apply' }));
  });

  it('keeps registries apart, and the default one holds core’s handlers', () => {
    const registry = createRecipeRegistry();
    registry.register(handler('only.here'));
    expect(defaultRegistry.has('only.here')).toBe(false);
    expect(defaultRegistry.get('cast')).toBe(castHandler);
    expect(() => registerRecipeHandler(castHandler)).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
    registerRecipeHandler(handler('test.registry-default'));
    expect(defaultRegistry.has('test.registry-default')).toBe(true);
  });
});
