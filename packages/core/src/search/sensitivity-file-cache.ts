/**
 * A sensitivity cache kept in a JSON file, rewritten atomically after each new measurement, so
 * an analysis killed at any instant leaves every measurement it finished readable.
 */
import { WhittleError, isWhittleError } from '../errors.ts';
import { writeFileAtomic } from '../fs/atomic-file.ts';
import { openRegularFile } from '../fs/file-source.ts';
import { memorySensitivityCache, readSensitivityRecord, type SensitivityCache } from './sensitivity-cache.ts';

/** What the file says it is. */
const CACHE_FORMAT = 'whittle-sensitivity-cache';

/** The largest cache file read: far beyond any model's param × setting count. */
export const MAX_SENSITIVITY_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * A {@link SensitivityCache} in the JSON file at `path`: read now if it exists (a file that is not
 * such a cache is a `malformed-file` error naming it, never overwritten), written again, whole and
 * atomically, after each record added. The file holds `{ "format": "whittle-sensitivity-cache",
 * "version": 1, "entries": { key: record } }`.
 *
 * @example
 * ```ts
 * const cache = await fileSensitivityCache('model.sensitivity.json');
 * await analyzeSensitivity(model, { data, cache }); // a second run reads what the first measured
 * ```
 */
export async function fileSensitivityCache(path: string): Promise<SensitivityCache> {
  const memory = memorySensitivityCache(await readCacheFile(path));
  return {
    get: (key) => memory.get(key),
    async set(key, record) {
      await memory.set(key, record);
      const entries: Record<string, unknown> = {};
      // defineProperty, so a key spelled `__proto__` is kept as data.
      for (const [name, value] of memory.entries()) Object.defineProperty(entries, name, { value, enumerable: true, configurable: true, writable: true });
      const text = JSON.stringify({ format: CACHE_FORMAT, version: 1, entries });
      await writeFileAtomic(path, new TextEncoder().encode(text), { force: true });
    },
  };
}

async function readCacheFile(path: string): Promise<[string, ReturnType<typeof readSensitivityRecord>][]> {
  let file;
  try {
    file = await openRegularFile(path, 'cannot read the sensitivity cache');
  } catch (error) {
    if (isWhittleError(error) && (error.cause as { code?: unknown } | undefined)?.code === 'ENOENT') return [];
    throw error;
  }
  let text: string;
  try {
    if (file.size > MAX_SENSITIVITY_CACHE_BYTES) {
      throw new WhittleError('malformed-file', `the sensitivity cache is ${file.size} bytes, more than the ${MAX_SENSITIVITY_CACHE_BYTES} a cache holds`, { file: path });
    }
    const bytes = new Uint8Array(file.size);
    let offset = 0;
    while (offset < bytes.byteLength) {
      const { bytesRead } = await file.handle.read(bytes, offset, bytes.byteLength - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, offset));
  } catch (error) {
    if (isWhittleError(error)) throw error;
    throw new WhittleError('malformed-file', 'the sensitivity cache is not UTF-8 text', { file: path }, { cause: error });
  } finally {
    await file.handle.close();
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new WhittleError('malformed-file', 'the sensitivity cache is not valid JSON', { file: path }, { cause: error });
  }
  const fields = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  if (fields.format !== CACHE_FORMAT || fields.version !== 1 || typeof fields.entries !== 'object' || fields.entries === null || Array.isArray(fields.entries)) {
    throw new WhittleError('malformed-file', `not a sensitivity cache (no "format": "${CACHE_FORMAT}", "version": 1 and "entries")`, { file: path });
  }
  try {
    return Object.entries(fields.entries).map(([key, value], index) => [key, readSensitivityRecord(value, `entries[${index}]`)]);
  } catch (error) {
    if (!isWhittleError(error)) throw error;
    throw new WhittleError(error.code, error.detail, { file: path, ...(error.field === undefined ? {} : { field: error.field }) }, { cause: error });
  }
}
