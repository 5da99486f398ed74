/**
 * Params stored in whittle's own form: one manifest entry per component buffer of
 * `encodingParts` (`<param>#<buffer>`, dtype `whittle/<dtype>`) plus the encoding metadata in
 * model.json's whittle section; read back through `assembleEncoding`.
 */
import { encodingParts, assembleEncoding } from '../../encoding/serialize.ts';
import type { EncodingMetadata } from '../../encoding/metadata.ts';
import type { Encoding } from '../../encoding/types.ts';
import { describeValue, shapesEqual } from '../../tensor/shape.ts';
import { asMalformed, malformed } from './malformed.ts';
import { COMPONENT_SEPARATOR, type TfjsWeightEntry, type WhittleWeightDType } from './model-json-types.ts';

/** One component of a whittle param, ready for the manifest and the shards. */
export interface WhittleComponent {
  readonly name: string;
  readonly dtype: WhittleWeightDType;
  readonly shape: readonly number[];
  readonly bytes: Uint8Array;
}

/**
 * Splits a param's encoding into its metadata (for the whittle section) and its components
 * (manifest entries named `<param>#<buffer>`, bytes shared with the encoding).
 *
 * @example
 * ```ts
 * const { metadata, components } = whittleComponents('dense/kernel', encoding);
 * components[0]?.name; // 'dense/kernel#codes'
 * ```
 */
export function whittleComponents(
  name: string,
  encoding: Encoding
): { metadata: EncodingMetadata; components: WhittleComponent[] } {
  const { metadata, buffers } = encodingParts(encoding);
  const components = buffers.map((buffer) => ({
    name: `${name}${COMPONENT_SEPARATOR}${buffer.name}`,
    dtype: `whittle/${buffer.dtype}` as const,
    shape: buffer.shape,
    bytes: buffer.bytes,
  }));
  return { metadata, components };
}

/**
 * Rebuilds a whittle param from its untrusted metadata and its component entries and bytes.
 * `assembleEncoding` checks every reference and length; then each entry must be one the
 * encoding uses, with the dtype and shape it uses. Throws `malformed-file` naming `field`.
 *
 * @example
 * ```ts
 * const encoding = assembleWhittleParam('dense/kernel', metadata, components, 'model.json', 'whittle.params[0]');
 * ```
 */
export function assembleWhittleParam(
  name: string,
  metadata: unknown,
  components: ReadonlyArray<{ readonly entry: TfjsWeightEntry; readonly bytes: Uint8Array }>,
  file: string,
  field: string
): Encoding {
  const prefix = `${name}${COMPONENT_SEPARATOR}`;
  const buffers = new Map<string, Uint8Array>();
  const entries = new Map<string, TfjsWeightEntry>();
  for (const { entry, bytes } of components) {
    const bufferName = entry.name.slice(prefix.length);
    buffers.set(bufferName, bytes);
    entries.set(bufferName, entry);
  }
  const encoding = asMalformed(() => assembleEncoding(metadata, buffers), file, `${field}.encoding`);
  const used = encodingParts(encoding).buffers;
  for (const buffer of used) {
    const entry = entries.get(buffer.name)!;
    if (entry.dtype !== `whittle/${buffer.dtype}` || !shapesEqual(entry.shape, buffer.shape)) {
      malformed(
        `the entry ${describeValue(entry.name)} is ${entry.dtype} [${entry.shape.join(
          ', '
        )}] but the encoding reads whittle/${buffer.dtype} [${buffer.shape.join(', ')}]`,
        file,
        `${field}.encoding`
      );
    }
    entries.delete(buffer.name);
  }
  const unused = entries.values().next();
  if (!unused.done)
    malformed(
      `the entry ${describeValue(unused.value.name)} is not used by its param's encoding`,
      file,
      `${field}.encoding`
    );
  return encoding;
}
