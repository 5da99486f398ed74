/**
 * How whittle stores an encoded param in safetensors, so that any safetensors reader (the Python
 * `safetensors` library included) can load every part as an ordinary tensor:
 *
 * - A `dense` param is one plain tensor under the param's own name (`F32`, `F16`, `BF16`, `I8`…),
 *   with no metadata: exactly what PyTorch or the Python library writes.
 * - Any other encoding is split by `encodingParts` into component buffers, each stored as a real
 *   tensor with its own dtype and shape, named `<param>#<buffer>`: `fc.weight#codes` (U8),
 *   `fc.weight#scales` (F16), `fc.weight#values.layout.mask`… `#` appears in neither PyTorch
 *   module paths nor TensorFlow names, so it marks whittle's components.
 * - `__metadata__["whittle:<param>"]` holds the encoding's metadata as a JSON string (metadata
 *   values must be strings): its kind, shape, bits, granularity… with each buffer reference
 *   (`{ "buffer": "codes", "dtype": "uint8", "shape": [96] }`) naming the tensor
 *   `<param>#<buffer>`. `assembleEncoding(JSON.parse(value), buffers)` rebuilds the encoding.
 *   Keys starting with `whittle:` are reserved for this.
 *
 * In Python: `meta = json.loads(f.metadata()["whittle:fc.weight"])`, then
 * `f.get_tensor("fc.weight#" + meta["codes"]["buffer"])`.
 */

/** Separates a param's name from one of its component buffers: `fc.weight#codes`. */
export const SAFETENSORS_COMPONENT_SEPARATOR = '#';

/** Starts the `__metadata__` key holding a param's encoding: `whittle:fc.weight`. */
export const SAFETENSORS_ENCODING_PREFIX = 'whittle:';

/** The reserved header key of the string-to-string metadata map. */
export const METADATA_KEY = '__metadata__';

/**
 * The tensor that stores component `buffer` of param `param`.
 *
 * @example
 * ```ts
 * safetensorsComponentName('fc.weight', 'values.scales'); // 'fc.weight#values.scales'
 * ```
 */
export function safetensorsComponentName(param: string, buffer: string): string {
  return `${param}${SAFETENSORS_COMPONENT_SEPARATOR}${buffer}`;
}

/**
 * The `__metadata__` key holding param `param`'s encoding metadata.
 *
 * @example
 * ```ts
 * safetensorsEncodingKey('fc.weight'); // 'whittle:fc.weight'
 * ```
 */
export function safetensorsEncodingKey(param: string): string {
  return `${SAFETENSORS_ENCODING_PREFIX}${param}`;
}

/**
 * A field path into the header JSON, quoting names that may hold dots.
 *
 * @example
 * ```ts
 * headerField('fc.weight', 'shape'); // 'header["fc.weight"].shape'
 * ```
 */
export function headerField(key: string, ...rest: string[]): string {
  return [`header[${JSON.stringify(key)}]`, ...rest].join('.');
}

/**
 * A field path to a `__metadata__` entry.
 *
 * @example
 * ```ts
 * metadataField('whittle:w', 'codes'); // 'header["__metadata__"]["whittle:w"].codes'
 * ```
 */
export function metadataField(key: string, ...rest: string[]): string {
  return [`header[${JSON.stringify(METADATA_KEY)}][${JSON.stringify(key)}]`, ...rest].join('.');
}

/**
 * True when `name` has no lone surrogates (which UTF-8 cannot hold and JSON readers reject).
 *
 * @example
 * ```ts
 * isWellFormedName('fc.weight'); // true
 * isWellFormedName('\ud800'); // false
 * ```
 */
export function isWellFormedName(name: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(name);
}

/**
 * Sets `record[key]` as a plain own entry, even for keys such as `__proto__`.
 *
 * @example
 * ```ts
 * setEntry(metadata, '__proto__', 'kept as data');
 * ```
 */
export function setEntry(record: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}
