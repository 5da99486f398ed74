import type { HostTensor } from '../tensor/host-tensor.ts';
import type { Model, Param } from '../model/types.ts';
import { readSafetensorsHeader, type SafetensorsHeader } from '../formats/safetensors/header.ts';
import {
  iterateSafetensorsParams,
  readSafetensorsModel,
  readSafetensorsParam,
} from '../formats/safetensors/read-params.ts';
import { readSafetensorsTensor } from '../formats/safetensors/read-tensor.ts';
import { writeSafetensors, type SafetensorsParams } from '../formats/safetensors/write.ts';
import { dirname } from 'node:path';
import { atomicFileSink, makeOutputDirectory, type WriteOptions } from './atomic-file.ts';
import { fileSource } from './file-source.ts';
import { fileSpill } from './safetensors-spill.ts';

/** An open safetensors file: its checked header, and tensors and params read on demand. */
export interface SafetensorsFile {
  readonly path: string;
  readonly header: SafetensorsHeader;
  /** Reads one tensor (a plain param or an encoding's component), only its bytes. */
  readTensor(name: string): Promise<HostTensor>;
  /** Reads one param, its encoding reassembled. */
  readParam(name: string): Promise<Param>;
  /** The params in file order, one at a time. */
  params(): AsyncGenerator<Param>;
  /** Releases the file handle. */
  close(): Promise<void>;
}

/**
 * Opens a safetensors file and checks its header, reading nothing else until asked.
 *
 * @example
 * ```ts
 * const file = await openSafetensorsFile('model.safetensors');
 * try { const embedding = await file.readTensor('wte.weight'); } finally { await file.close(); }
 * ```
 */
export async function openSafetensorsFile(path: string): Promise<SafetensorsFile> {
  const source = await fileSource(path);
  try {
    const header = await readSafetensorsHeader(source);
    return {
      path,
      header,
      readTensor: (name) => readSafetensorsTensor(source, header, name),
      readParam: (name) => readSafetensorsParam(source, header, name),
      params: () => iterateSafetensorsParams(source, header),
      close: () => source.close(),
    };
  } catch (error) {
    await source.close();
    throw error;
  }
}

/**
 * Reads a whole safetensors file as a {@link Model} (format `safetensors`, roles inferred).
 *
 * @example
 * ```ts
 * const model = await readSafetensorsFile('model.safetensors');
 * ```
 */
export async function readSafetensorsFile(path: string): Promise<Model> {
  const source = await fileSource(path);
  try {
    return await readSafetensorsModel(source);
  } finally {
    await source.close();
  }
}

/** Options of {@link writeSafetensorsFile}. */
export interface WriteSafetensorsFileOptions extends WriteOptions {
  /** String entries for `__metadata__`; keys starting with `whittle:` are reserved. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * Writes params (a model, an array, or a stream) to `path` as safetensors, atomically; `path`'s
 * folder is created if needed (and removed again if the write fails). A stream waits in a
 * temporary file beside the output until the header can be written, so memory holds about one
 * param.
 *
 * @example
 * ```ts
 * await writeSafetensorsFile('model.safetensors', model, { metadata: { format: 'pt' } });
 * ```
 */
export async function writeSafetensorsFile(
  path: string,
  params: SafetensorsParams,
  options: WriteSafetensorsFileOptions = {}
): Promise<void> {
  const undoDirectory = await makeOutputDirectory(dirname(path));
  let spill;
  try {
    const sink = await atomicFileSink(path, options);
    // The spill file is made only if a stream needs it; writeSafetensors closes or aborts the sink.
    spill = fileSpill(dirname(path));
    await writeSafetensors(sink, params, {
      spill,
      ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
    });
  } catch (error) {
    await spill?.dispose();
    spill = undefined;
    await undoDirectory();
    throw error;
  } finally {
    await spill?.dispose();
  }
}
