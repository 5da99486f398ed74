import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { SpillStore } from '../formats/safetensors/spill.ts';
import { writeAll } from './atomic-file.ts';
import { fileError } from './file-source.ts';
import { releaseTemporary, temporaryPath, trackTemporary } from './temporary-files.ts';

/** Bytes read back from a spill file per chunk: big enough for throughput, small next to a tensor. */
const CHUNK_SIZE = 8 * 1024 * 1024;

/**
 * A {@link SpillStore} in a hidden temporary file in `directory` (put it beside the output, on
 * the same disk), so streaming a large model to safetensors holds about one param in memory.
 * The file is created on the first write and removed by `dispose`.
 *
 * @example
 * ```ts
 * const spill = fileSpill('out');
 * await writeSafetensors(sink, iterateSafetensorsParams(source), { spill });
 * ```
 */
export function fileSpill(directory: string): SpillStore {
  const path = temporaryPath(join(directory, 'spill'));
  let handle: Promise<FileHandle> | undefined;
  let size = 0;
  let disposed = false;
  const opened = (): Promise<FileHandle> => {
    if (handle === undefined) {
      trackTemporary(path);
      handle = open(path, 'wx+').catch((error: unknown) => {
        throw fileError(path, 'cannot create a temporary spill file', error);
      });
    }
    return handle;
  };
  return {
    async write(chunk) {
      const file = await opened();
      await writeAll(file, chunk, size, path);
      size += chunk.byteLength;
    },
    async *drain() {
      if (size === 0) return;
      const file = await opened();
      for (let offset = 0; offset < size; ) {
        // A fresh chunk each time: the consumer may keep it (a sink that queues chunks).
        const chunk = new Uint8Array(Math.min(CHUNK_SIZE, size - offset));
        let filled = 0;
        while (filled < chunk.byteLength) {
          const { bytesRead } = await file.read(chunk, filled, chunk.byteLength - filled, offset + filled);
          if (bytesRead === 0) throw fileError(path, 'the spill file ended early', undefined);
          filled += bytesRead;
        }
        offset += filled;
        yield chunk;
      }
    },
    async dispose() {
      if (disposed || handle === undefined) {
        disposed = true;
        return;
      }
      disposed = true;
      const file = await handle.catch(() => undefined);
      await file?.close().catch(() => undefined);
      await rm(path, { force: true }).catch(() => undefined);
      releaseTemporary(path);
    },
  };
}
