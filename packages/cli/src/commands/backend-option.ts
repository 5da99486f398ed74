import type { BackendName } from '@whittle/core';
import { InvalidArgumentError } from 'commander';

/** The backends the CLI offers today (WebGPU joins when it is tested in Node). */
export const CLI_BACKENDS = ['wasm', 'cpu'] as const satisfies readonly BackendName[];

/** A backend the CLI accepts. */
export type CliBackend = (typeof CLI_BACKENDS)[number];

/**
 * Parses a comma-separated `--backend` value such as `wasm,cpu`: known names, no repeats, at
 * least one. Throws commander's InvalidArgumentError, which it reports as a usage error.
 *
 * @example
 * ```ts
 * parseBackendList('wasm,cpu'); // ['wasm', 'cpu']
 * ```
 */
export function parseBackendList(value: string): CliBackend[] {
  const names = value.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(CLI_BACKENDS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(
      `unknown backend ${unknown.map((name) => JSON.stringify(name)).join(', ')}; expected a comma-separated list of ${CLI_BACKENDS.join(', ')}.`,
    );
  }
  if (new Set(names).size !== names.length) throw new InvalidArgumentError('a backend is listed twice.');
  return names as CliBackend[];
}
