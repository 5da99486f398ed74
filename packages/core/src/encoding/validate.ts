/**
 * Validation of untrusted encodings (after deserialising, or from user code). Checks run in an
 * order where every expected buffer size is computed from already validated numbers, so a lying
 * length field can neither crash nor make us allocate. Each kind's codec checks its own fields;
 * the kind, the nesting depth and nested shapes are checked here.
 */
import type { ErrorLocation } from '../errors.ts';
import { builtInEncodings } from './encoding-codecs.ts';
import type { Encoding } from './types.ts';

/**
 * Checks that `value` is a well-formed {@link Encoding} and returns it unchanged: every field,
 * nested encodings recursively (at most 8 deep), bit widths, buffer lengths against shapes,
 * scales against the granularity, codebook indices, sparse layouts and low-rank factor shapes.
 * Throws an `invalid-encoding` WhittleError whose `field` is the path at fault, e.g.
 * `values.scales.data` or `layout.rowPointers[3]`.
 *
 * @example
 * ```ts
 * const encoding = validateEncoding(untrusted, { file: 'model.safetensors', field: 'dense/kernel' });
 * ```
 */
export function validateEncoding(value: unknown, location: ErrorLocation = {}): Encoding {
  return builtInEncodings.validate(value, location);
}
