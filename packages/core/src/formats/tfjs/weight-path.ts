/**
 * Weight shard paths from an untrusted manifest: relative paths that stay inside the model's
 * directory (or, when allowed, absolute http(s) URLs).
 */
import { describeValue } from '../../tensor/shape.ts';
import { malformed } from './malformed.ts';

// `.` and `..` also hide as percent escapes: the URL standard treats `%2e%2e` as `..`.
const DOT_DOT = /^(\.|%2e)(\.|%2e)$/i;
const SCHEME_OR_DRIVE = /^[a-z][a-z0-9+.-]*:/i;

/**
 * Checks one weight path: a relative, slash-separated path without `..` segments (plain or
 * percent-encoded), empty segments, backslashes, drive letters, NUL bytes or URL schemes. With
 * `allowUrls`, absolute `http:` / `https:` URLs pass too. Throws `malformed-file` naming `field`.
 *
 * @example
 * ```ts
 * checkWeightPath('group1-shard1of2.bin', 'model.json', 'weightsManifest[0].paths[0]'); // ok
 * checkWeightPath('../secret', 'model.json', 'weightsManifest[0].paths[0]'); // throws
 * ```
 */
export function checkWeightPath(path: unknown, file: string, field: string, allowUrls = false): string {
  if (typeof path !== 'string' || path.length === 0)
    malformed(`a weight path must be a non-empty string, got ${describeValue(path)}`, file, field);
  if (allowUrls && /^https?:\/\/[^/\\]/i.test(path) && !/[\\\0]/.test(path)) return path;
  const escape = (reason: string): never =>
    malformed(`the weight path ${describeValue(path)} ${reason}; paths must stay inside the model's directory`, file, field);
  if (path.includes('\\')) escape('contains a backslash');
  if (path.includes('\0')) escape('contains a NUL byte');
  if (SCHEME_OR_DRIVE.test(path)) escape('is a URL or names a drive');
  if (path.startsWith('/')) escape('is absolute');
  if (/%(2f|5c)/i.test(path)) escape('hides a separator in a percent escape');
  for (const segment of path.split('/')) {
    if (segment.length === 0) escape('has an empty segment');
    if (DOT_DOT.test(segment)) escape('climbs out with ..');
  }
  return path;
}
