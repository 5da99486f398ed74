import { sep } from 'node:path';

/**
 * True when `path` lies strictly inside `directory` (both absolute, real paths): the check that
 * keeps shard reads and removals within a model's directory. Other format packages use it for their data files too.
 *
 * @example
 * ```ts
 * isBelow('/models/mlp/group1-shard1of1.bin', '/models/mlp'); // true
 * isBelow('/models/mlp-other/x.bin', '/models/mlp'); // false
 * ```
 */
export function isBelow(path: string, directory: string): boolean {
  return path.startsWith(directory.endsWith(sep) ? directory : `${directory}${sep}`);
}
