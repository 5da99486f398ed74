import { open, type FileHandle } from 'node:fs/promises';
import { WhittleError } from '../errors.ts';
import { checkRange, type ByteSource } from '../formats/byte-source.ts';

/** A {@link ByteSource} over an open file; `close` releases the handle. */
export interface FileSource extends ByteSource {
  close(): Promise<void>;
}

/**
 * Opens a file for random-access reads without reading it whole.
 *
 * @example
 * ```ts
 * const source = await fileSource('model.safetensors');
 * try { const header = await source.read(0, 8); } finally { await source.close(); }
 * ```
 */
export async function fileSource(path: string): Promise<FileSource> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw fileError(path, 'cannot open the file for reading', error);
  }
  const { size } = await handle.stat();
  return {
    name: path,
    size,
    async read(offset, length) {
      checkRange(path, size, offset, length);
      const bytes = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await handle.read(bytes, filled, length - filled, offset + filled);
        if (bytesRead === 0) {
          throw new WhittleError('malformed-file', `the file ended at ${offset + filled} bytes, before ${offset + length}`, {
            file: path,
          });
        }
        filled += bytesRead;
      }
      return bytes;
    },
    async close() {
      await handle.close();
    },
  };
}

/** Wraps a Node file-system error as a typed error naming the file. */
export function fileError(path: string, message: string, cause: unknown): WhittleError {
  const code = (cause as { code?: string } | undefined)?.code;
  return new WhittleError('invalid-argument', code === undefined ? message : `${message} (${code})`, { file: path }, { cause });
}
