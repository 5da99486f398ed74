import { WhittleError } from '../errors.ts';
import { describeValue } from '../tensor/shape.ts';
import { HANDLER_EFFECTS, type RecipeHandler } from './types.ts';

/** Handlers by recipe kind: what `compress` looks a step's kind up in. */
export interface RecipeRegistry {
  /**
   * Adds a handler. A second handler for a kind is an `invalid-argument` error unless
   * `replace: true`, so two packages cannot silently fight over one kind.
   */
  register(handler: RecipeHandler, options?: { readonly replace?: boolean }): void;
  /** The handler for `kind`, if one is registered. */
  get(kind: string): RecipeHandler | undefined;
  /** True when a handler for `kind` is registered. */
  has(kind: string): boolean;
  /** Registered kinds, sorted. */
  kinds(): string[];
}

/**
 * A new registry holding `handlers`. Use it to run recipes with a chosen set of handlers; most
 * code uses the shared `defaultRegistry`, which technique packages register into.
 *
 * @example
 * ```ts
 * const registry = createRecipeRegistry([castHandler]);
 * registry.kinds(); // ['cast']
 * ```
 */
export function createRecipeRegistry(handlers: Iterable<RecipeHandler> = []): RecipeRegistry {
  const byKind = new Map<string, RecipeHandler>();
  const registry: RecipeRegistry = {
    register(handler, options = {}) {
      checkHandler(handler);
      if (byKind.has(handler.kind) && options.replace !== true) {
        throw new WhittleError(
          'invalid-argument',
          `a handler for kind ${JSON.stringify(handler.kind)} is already registered (pass { replace: true } to replace it)`,
          { field: 'kind' },
        );
      }
      byKind.set(handler.kind, handler);
    },
    get: (kind) => byKind.get(kind),
    has: (kind) => byKind.has(kind),
    kinds: () => [...byKind.keys()].sort(),
  };
  for (const handler of handlers) registry.register(handler);
  return registry;
}

function checkHandler(handler: unknown): asserts handler is RecipeHandler {
  if (typeof handler !== 'object' || handler === null) {
    throw new WhittleError('invalid-argument', `expected a recipe handler, got ${describeValue(handler)}`, {
      field: 'handler',
    });
  }
  const { kind, validate, apply, effect } = handler as Partial<RecipeHandler>;
  if (typeof kind !== 'string' || kind.length === 0 || /\s/.test(kind)) {
    throw new WhittleError('invalid-argument', `a handler kind must be a non-empty word, got ${describeValue(kind)}`, {
      field: 'kind',
    });
  }
  if (typeof validate !== 'function' || typeof apply !== 'function') {
    throw new WhittleError('invalid-argument', `the handler for ${JSON.stringify(kind)} needs validate and apply`, {
      field: typeof validate !== 'function' ? 'validate' : 'apply',
    });
  }
  if (!(HANDLER_EFFECTS as readonly unknown[]).includes(effect)) {
    throw new WhittleError(
      'invalid-argument',
      `the handler for ${JSON.stringify(kind)} must say its effect (${HANDLER_EFFECTS.join(', ')}), got ${describeValue(effect)}`,
      { field: 'effect' },
    );
  }
}
