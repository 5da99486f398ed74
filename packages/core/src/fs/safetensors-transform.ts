import { locateError } from '../errors.ts';
import { readSafetensorsHeader } from '../formats/safetensors/header.ts';
import { iterateSafetensorsParams } from '../formats/safetensors/read-params.ts';
import type { Param } from '../model/types.ts';
import { assertSafeOutput, type WriteOptions } from './atomic-file.ts';
import { fileSource } from './file-source.ts';
import { estimateHeaderReservation, writeReservedSafetensors } from './safetensors-reserved.ts';

/** Options of {@link transformSafetensorsFile}. */
export interface TransformSafetensorsOptions extends WriteOptions {
  /** `__metadata__` of the output; default: the input's (whittle's own entries are rewritten). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * Rewrites a safetensors file one param at a time: read a param, `transform` it (quantize, cast,
 * prune…), write it, let it go; peak memory is about one param, whatever the file's size.
 * The header needs every size before the data, so room for it is reserved (estimated from the
 * input) and each transformed param is written once, straight to its place; the header, padded
 * with spaces to fill the room, goes in last. A header that outgrows the room still comes out
 * right, at the cost of moving the data once. The output is written atomically and never over
 * the input (see `assertSafeOutput`). Params come to `transform` in file order; it may rename them.
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
    const metadata = options.metadata ?? header.metadata;
    async function* transformed(): AsyncGenerator<Param> {
      for await (const param of iterateSafetensorsParams(source, header)) {
        let result: Param;
        try {
          result = await transform(param);
        } catch (error) {
          // A step's error (a NaN weight, a bad shape) names the param and field, not the file.
          throw locateError(error, { file: input });
        }
        yield result;
      }
    }
    await writeReservedSafetensors(output, transformed(), {
      metadata,
      reservation: estimateHeaderReservation(header, metadata),
      ...(options.force === undefined ? {} : { force: options.force }),
    });
  } finally {
    await source.close();
  }
}
