import { dirname } from 'node:path';
import { readSafetensorsHeader } from '../formats/safetensors/header.ts';
import { iterateSafetensorsParams } from '../formats/safetensors/read-params.ts';
import { writeSafetensors } from '../formats/safetensors/write.ts';
import type { Param } from '../model/types.ts';
import { assertSafeOutput, atomicFileSink, type WriteOptions } from './atomic-file.ts';
import { fileSource } from './file-source.ts';
import { fileSpill } from './safetensors-spill.ts';

/** Options of {@link transformSafetensorsFile}. */
export interface TransformSafetensorsOptions extends WriteOptions {
  /** `__metadata__` of the output; default: the input's (whittle's own entries are rewritten). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * Rewrites a safetensors file one param at a time: read a param, `transform` it (quantize, cast,
 * prune…), write it, let it go; peak memory is about one param, whatever the file's size.
 * Transformed bytes wait in a temporary file beside the output until the header (which needs
 * every size) can be written first; the output is written atomically and never over the input
 * (see `assertSafeOutput`). Params come to `transform` in file order; it may rename them.
 *
 * @example
 * ```ts
 * await transformSafetensorsFile('model.safetensors', 'out/model-f16.safetensors', (param) =>
 *   param.value.kind === 'dense' && isFloatDType(param.value.tensor.dtype)
 *     ? { ...param, value: castDense(param.value.tensor, 'float16') }
 *     : param,
 * );
 * ```
 */
export async function transformSafetensorsFile(
  input: string,
  output: string,
  transform: (param: Param) => Param | Promise<Param>,
  options: TransformSafetensorsOptions = {}
): Promise<void> {
  await assertSafeOutput([input], output, options);
  const source = await fileSource(input);
  try {
    const header = await readSafetensorsHeader(source);
    const sink = await atomicFileSink(output, options);
    const spill = fileSpill(dirname(output));
    async function* transformed(): AsyncGenerator<Param> {
      for await (const param of iterateSafetensorsParams(source, header)) yield await transform(param);
    }
    try {
      await writeSafetensors(sink, transformed(), { spill, metadata: options.metadata ?? header.metadata });
    } finally {
      await spill.dispose();
    }
  } finally {
    await source.close();
  }
}
