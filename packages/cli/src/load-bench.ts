import type * as Bench from '@whittle/bench';

/** `@whittle/bench`'s exports: the benchmark suites, machine info and the MNIST digits. */
export type BenchModule = typeof Bench;

/**
 * The package behind `whittle demo` and `whittle bench`. It is an optional peer dependency: it
 * brings the `mnist` digits and tfjs-layers (most of an install's size), which `inspect`,
 * `compress` and `decompress` never need.
 */
export const BENCH_PACKAGE = '@whittle/bench';

/**
 * Loads `@whittle/bench` when a command needs it. When it is not installed the error is one line
 * naming the package to install; any other failure while loading it is passed on unchanged.
 *
 * @example
 * ```ts
 * const { findSuite } = await loadBench('bench');
 * ```
 */
export async function loadBench(command: string, importModule = importByName): Promise<BenchModule> {
  try {
    return (await importModule(BENCH_PACKAGE)) as BenchModule;
  } catch (error) {
    if (!isPackageMissing(error, BENCH_PACKAGE)) throw error;
    throw new Error(`\`whittle ${command}\` needs the ${BENCH_PACKAGE} package: install it with \`npm i ${BENCH_PACKAGE}\``, {
      cause: error,
    });
  }
}

/**
 * The specifier is a variable, not a literal, so bundlers leave the import to run time: a bundle
 * of the CLI builds (and runs everything but `demo` and `bench`) without the optional package.
 */
function importByName(specifier: string): Promise<unknown> {
  return import(specifier);
}

/**
 * Node, Deno and Bun each word a missing package differently; all of them quote its name. A
 * package of bench's own that is missing names bench only in a path, unquoted, and is passed on.
 */
function isPackageMissing(error: unknown, specifier: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  const notFound = code === 'ERR_MODULE_NOT_FOUND' || /(cannot|could not) find|not found/i.test(error.message);
  return notFound && (error.message.includes(`'${specifier}'`) || error.message.includes(`"${specifier}"`));
}
