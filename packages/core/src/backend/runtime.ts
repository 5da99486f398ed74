/** The JavaScript runtime whittle is running in. */
export type RuntimeName = 'node' | 'deno' | 'bun' | 'browser' | 'unknown';

interface RuntimeGlobals {
  Deno?: { version?: { deno?: string } };
  Bun?: { version?: string };
  process?: { versions?: { node?: string } };
  window?: unknown;
  document?: unknown;
}

/**
 * Detects the runtime from web-standard globals only, so it works everywhere.
 *
 * @example
 * ```ts
 * const { name, version } = detectRuntime(); // { name: 'node', version: '20.20.2' }
 * ```
 */
export function detectRuntime(): { name: RuntimeName; version: string | undefined } {
  const globals = globalThis as RuntimeGlobals;
  // Deno and Bun both expose `process` for Node compatibility: test them first.
  if (globals.Deno !== undefined) return { name: 'deno', version: globals.Deno.version?.deno };
  if (globals.Bun !== undefined) return { name: 'bun', version: globals.Bun.version };
  if (globals.process?.versions?.node !== undefined) return { name: 'node', version: globals.process.versions.node };
  if (globals.window !== undefined && globals.document !== undefined) return { name: 'browser', version: undefined };
  return { name: 'unknown', version: undefined };
}
