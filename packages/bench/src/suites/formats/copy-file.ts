import { open } from 'node:fs/promises';

/** Bytes per read and write of {@link copyFileThroughMemory}: core's spill file uses the same. */
const CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * Copies `input` to `output` through one buffer of 8 MiB, then flushes the output to disk
 * (`fsync`), as whittle's atomic writer does on close: the least work any rewrite of the file
 * in JavaScript must do, so it bounds the rewrite's throughput. Returns the bytes copied.
 *
 * @example
 * ```ts
 * const bytes = await copyFileThroughMemory('model.safetensors', 'copy.safetensors');
 * ```
 */
export async function copyFileThroughMemory(input: string, output: string): Promise<number> {
  const source = await open(input, 'r');
  try {
    const target = await open(output, 'w');
    try {
      const buffer = new Uint8Array(CHUNK_BYTES);
      let copied = 0;
      for (;;) {
        const { bytesRead } = await source.read(buffer, 0, buffer.byteLength, copied);
        if (bytesRead === 0) break;
        let written = 0;
        while (written < bytesRead) written += (await target.write(buffer, written, bytesRead - written)).bytesWritten;
        copied += bytesRead;
      }
      await target.sync();
      return copied;
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}
