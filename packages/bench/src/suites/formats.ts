import type { Suite, SuiteOptions, SuiteResult } from '../suite.ts';

/**
 * The `formats` suite: how fast whittle reads and decodes a stock uint8 TFJS artifact
 * (256 MiB) against tfjs's own `tf.io.decodeWeights` on the same bytes, with a plain read of the
 * shards as the bound; and the peak memory and throughput of streaming a 1 GiB safetensors
 * checkpoint through an identity `transformSafetensorsFile` in a child process, against a plain
 * copy. `quick` shrinks the inputs to 32 MiB and 128 MiB. `backends[0]` (default cpu) is where
 * tfjs's decoder makes its tensors. Node only.
 *
 * @example
 * ```ts
 * const { rows } = await formatsSuite.run({ quick: true });
 * ```
 */
export const formatsSuite: Suite = {
  name: 'formats',
  // tfjs's decoder makes its tensors on the first backend.
  defaultBackends: ['cpu'],
  description: 'TFJS read/decode MB/s against tf.io.decodeWeights; safetensors streaming rewrite peak RSS and MB/s',
  run: async (options?: SuiteOptions): Promise<SuiteResult> => {
    // Loaded on demand: the cases need node:fs and child processes, which the rest of the
    // harness (and a browser importing it) does not.
    const { runFormatsSuite } = await import('./formats/run-formats.ts');
    return runFormatsSuite({ ...options, backends: options?.backends ?? formatsSuite.defaultBackends });
  },
};
