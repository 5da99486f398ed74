import { WhittleError } from '../errors.ts';

/**
 * Throws the `invalid-model` WhittleError every graph reader gives for a malformed topology.
 *
 * @example
 * ```ts
 * graphError('layers must be an array, got object', 'modelTopology.config.layers');
 * ```
 */
export function graphError(message: string, field: string): never {
  throw new WhittleError('invalid-model', message, { field });
}

/**
 * A name quoted for an error message, cut short so a hostile name stays one short line.
 *
 * @example
 * ```ts
 * quote('dense_1'); // '"dense_1"'
 * ```
 */
export function quote(name: string): string {
  return JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name);
}

/**
 * Whether a value is a plain object (not an array, not null).
 *
 * @example
 * ```ts
 * isRecord({ units: 4 }); // true
 * ```
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
