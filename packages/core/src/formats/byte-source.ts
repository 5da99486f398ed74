import { WhittleError } from '../errors.ts';

/**
 * Random-access bytes to read from: a file (see `@whittle/core/fs`), a Blob or fetch response,
 * or bytes in memory. Parsers read only the ranges they need, so a multi-gigabyte checkpoint is
 * never held whole.
 */
export interface ByteSource {
  /** A name for error messages: a file path, a URL or `<memory>`. */
  readonly name: string;
  /** Total size in bytes. */
  readonly size: number;
  /** Exactly `length` bytes from `offset`; a range past the end is a `malformed-file` error. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** Where written bytes go, in order: a file written atomically, a stream, or memory. */
export interface ByteSink {
  write(chunk: Uint8Array): Promise<void>;
  /** Finishes the output (for a file: flush, then rename into place). */
  close(): Promise<void>;
  /** Drops everything written (for a file: removes the temporary file). */
  abort(reason?: unknown): Promise<void>;
}

/**
 * A source over bytes already in memory (an ArrayBuffer from `fetch`, a file read whole).
 *
 * @example
 * ```ts
 * const source = bytesSource(new Uint8Array(await (await fetch(url)).arrayBuffer()), url);
 * ```
 */
export function bytesSource(bytes: Uint8Array | ArrayBuffer, name = '<memory>'): ByteSource {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return {
    name,
    size: view.byteLength,
    async read(offset, length) {
      checkRange(name, view.byteLength, offset, length);
      return view.subarray(offset, offset + length);
    },
  };
}

/**
 * A source over a Blob (a browser `File`, or `await response.blob()`), read slice by slice.
 *
 * @example
 * ```ts
 * const source = blobSource(input.files[0]);
 * ```
 */
export function blobSource(blob: Blob, name = (blob as { name?: string }).name ?? '<blob>'): ByteSource {
  return {
    name,
    size: blob.size,
    async read(offset, length) {
      checkRange(name, blob.size, offset, length);
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
    },
  };
}

/**
 * A sink that gathers everything written into memory; `bytes()` returns it after `close`.
 *
 * @example
 * ```ts
 * const sink = memorySink();
 * await sink.write(new Uint8Array([1, 2])); await sink.close();
 * sink.bytes(); // Uint8Array [1, 2]
 * ```
 */
export function memorySink(): ByteSink & { bytes(): Uint8Array } {
  let chunks: Uint8Array[] = [];
  let closed = false;
  return {
    async write(chunk) {
      if (closed) throw new WhittleError('invalid-argument', 'write after close', { field: 'sink' });
      chunks.push(chunk.slice());
    },
    async close() {
      closed = true;
    },
    async abort() {
      closed = true;
      chunks = [];
    },
    bytes() {
      const total = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
      const out = new Uint8Array(total);
      let offset = 0;
      for (const chunk of chunks) {
        out.set(chunk, offset);
        offset += chunk.byteLength;
      }
      return out;
    },
  };
}

/** Throws a `malformed-file` error naming `file` unless [offset, offset + length) lies within `size`. */
export function checkRange(file: string, size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new WhittleError(
      'malformed-file',
      `the range [${offset}, ${offset + length}) lies outside the ${size} bytes of the file`,
      { file },
    );
  }
}
