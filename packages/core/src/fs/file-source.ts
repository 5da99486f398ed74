import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { WhittleError } from '../errors.ts';
import { checkRange, type ByteSource } from '../formats/byte-source.ts';

/** A {@link ByteSource} over an open file; `close` releases the handle. */
export interface FileSource extends ByteSource {
  close(): Promise<void>;
}

/** The longest cause message a one-line file error carries. */
const MAX_REASON_LENGTH = 200;

/**
 * Opens a file for random-access reads without reading it whole. Only a regular file is
 * accepted (see {@link openRegularFile}): a FIFO, a device or a directory is refused before a
 * byte is read.
 *
 * @example
 * ```ts
 * const source = await fileSource('model.safetensors');
 * try { const header = await source.read(0, 8); } finally { await source.close(); }
 * ```
 */
export async function fileSource(path: string): Promise<FileSource> {
  const { handle, size } = await openRegularFile(path, 'cannot open the file for reading');
  return {
    name: path,
    size,
    async read(offset, length) {
      checkRange(path, size, offset, length);
      const bytes = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        let bytesRead: number;
        try {
          ({ bytesRead } = await handle.read(bytes, filled, length - filled, offset + filled));
        } catch (error) {
          throw fileError(path, 'cannot read the file', error);
        }
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

/** An open regular file and its size, from `fstat` on the handle itself. */
export interface RegularFile {
  readonly handle: FileHandle;
  readonly size: number;
}

/**
 * Opens `path` for reading, refusing anything but a regular file. The open never blocks (a FIFO
 * opened for reading would wait forever for a writer), and the type is checked on the opened
 * handle, so a name swapped between a check and the open cannot slip a device or FIFO in.
 * Throws `invalid-argument` naming the file; `what` starts the message (`cannot open the model`).
 *
 * @example
 * ```ts
 * const { handle, size } = await openRegularFile('model.json', 'cannot read model.json');
 * ```
 */
export async function openRegularFile(path: string, what: string): Promise<RegularFile> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK matters only at open time here: regular-file reads ignore it.
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw fileError(path, what, error);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      throw new WhittleError('invalid-argument', `${what}: it is ${fileKind(info)}, not a regular file`, { file: path });
    }
    return { handle, size: info.size };
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error instanceof WhittleError ? error : fileError(path, what, error);
  }
}

/**
 * Wraps a file-system error as a typed one-line error naming the file, keeping the cause's
 * reason: its code and message (`cannot open the model (ENOENT: no such file or directory)`),
 * bounded and on one line. A cause without a code (Deno's permission errors) keeps its message.
 *
 * @example
 * ```ts
 * try { await open(path); } catch (error) { throw fileError(path, 'cannot open the model', error); }
 * ```
 */
export function fileError(path: string, message: string, cause: unknown): WhittleError {
  const reason = describeCause(cause);
  return new WhittleError('invalid-argument', reason === '' ? message : `${message} (${reason})`, { file: path }, { cause });
}

/**
 * A file-system error's code and message as one bounded line, without the path Node appends
 * (the typed error names the file itself); empty for anything that is not an error object.
 *
 * @example
 * ```ts
 * describeCause(error); // 'ENOENT: no such file or directory'
 * ```
 */
export function describeCause(cause: unknown): string {
  if (typeof cause !== 'object' || cause === null) return '';
  const { code, message, syscall } = cause as { code?: unknown; message?: unknown; syscall?: unknown };
  let text = typeof message === 'string' ? message : '';
  // Node: "ENOENT: no such file or directory, open '/the/path'"; the path is the error's own file.
  if (typeof syscall === 'string') {
    const at = text.indexOf(`, ${syscall}`);
    if (at >= 0) text = text.slice(0, at);
  }
  if (typeof code === 'string' && code !== '' && !text.startsWith(code)) text = text === '' ? code : `${code}: ${text}`;
  // eslint-disable-next-line no-control-regex
  text = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH - 1)}…` : text;
}

function fileKind(info: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isSocket()) return 'a socket';
  return 'a special file';
}
