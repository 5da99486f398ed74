import { denseEncoding, type Param } from '@whittle/core';
import { safetensorsParamLayout, writeSafetensors, type SafetensorsParamLayout } from '@whittle/core/safetensors';
import { atomicFileSink } from '@whittle/core/fs';
import { seededRandom } from '../../seeded-random.ts';

/** What {@link writeDenseCheckpoint} wrote. */
export interface DenseCheckpoint {
  readonly path: string;
  /** Bytes of the file, header included. */
  readonly byteLength: number;
  /** Bytes of the largest param: what a param-at-a-time rewrite must hold at least. */
  readonly largestParamBytes: number;
}

/**
 * Writes a PyTorch-like float32 checkpoint of `layers` Linear layers (`layers.<i>.weight`
 * `[side, side]` and `layers.<i>.bias` `[side]`, seeded uniform values) to `path` with core's
 * streaming safetensors writer: the header is planned from the layouts first and each param is
 * generated, written and dropped in turn, so memory holds one param whatever the file's size.
 *
 * @example
 * ```ts
 * const checkpoint = await writeDenseCheckpoint('/tmp/model.safetensors', { layers: 16, side: 4096, seed: 3 });
 * ```
 */
export async function writeDenseCheckpoint(
  path: string,
  options: { readonly layers: number; readonly side: number; readonly seed: number },
): Promise<DenseCheckpoint> {
  const { layers, side } = options;
  const random = seededRandom(options.seed);
  const shapes = Array.from({ length: layers }, (_, index) => [
    { name: `layers.${index}.weight`, shape: [side, side] },
    { name: `layers.${index}.bias`, shape: [side] },
  ]).flat();
  const param = (name: string, shape: number[]): Param => {
    const size = shape.reduce((product, dimension) => product * dimension, 1);
    const values = random.uniformArray(size, -0.05, 0.05);
    return { name, role: shape.length === 2 ? 'linear-weight' : 'bias', shape, value: denseEncoding({ dtype: 'float32', shape, data: values }) };
  };
  // A layout is names, dtypes and shapes: plan every param from one zero-filled stand-in per
  // shape rather than generating the data twice.
  const templates = new Map<string, SafetensorsParamLayout['encoding']>();
  const layout = shapes.map(({ name, shape }): SafetensorsParamLayout => {
    const key = shape.join('x');
    let encoding = templates.get(key);
    if (encoding === undefined) {
      const size = shape.reduce((product, dimension) => product * dimension, 1);
      encoding = safetensorsParamLayout({ name, value: denseEncoding({ dtype: 'float32', shape, data: new Float32Array(size) }) }).encoding;
      templates.set(key, encoding);
    }
    return { name, encoding };
  });
  async function* params(): AsyncGenerator<Param> {
    for (const { name, shape } of shapes) yield param(name, shape);
  }
  const sink = await atomicFileSink(path, { force: true });
  let written = 0;
  const counting = {
    write: async (chunk: Uint8Array) => {
      written += chunk.byteLength;
      await sink.write(chunk);
    },
    close: () => sink.close(),
    abort: (reason?: unknown) => sink.abort(reason),
  };
  await writeSafetensors(counting, params(), { layout });
  return { path, byteLength: written, largestParamBytes: side * side * 4 };
}
