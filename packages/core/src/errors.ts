/**
 * Typed errors. Every error whittle throws for bad input is a {@link WhittleError} with a stable
 * `code`, and names the thing at fault (`field`, and `file` or `step` where there is one), so
 * callers can branch on `code` and users read one clear line.
 */

/** Every stable, machine-readable error code, as {@link WhittleErrorCode} takes them. */
export const WHITTLE_ERROR_CODES = [
  'invalid-argument',
  'invalid-tensor',
  'invalid-encoding',
  'invalid-model',
  'invalid-recipe',
  'unknown-kind',
  'backend-unavailable',
  'missing-resource',
  'malformed-file',
] as const;

/** Stable machine-readable error codes. */
export type WhittleErrorCode = (typeof WHITTLE_ERROR_CODES)[number];

/** Where an error points: the field at fault and, where known, the file or recipe step. */
export interface ErrorLocation {
  /** Dotted path of the offending field, e.g. `granularity.size` or `params[3].shape`. */
  field?: string;
  /** The file being read or written. */
  file?: string;
  /** The recipe step's number, counting from 1 (`step 1` is the first step). */
  step?: number;
}

/** The most characters an error message keeps of one location part (file or field). */
export const MAX_ERROR_LOCATION_LENGTH = 200;

/** The most characters an error message keeps of its text after the location. */
export const MAX_ERROR_TEXT_LENGTH = 400;

/**
 * The one error class whittle throws for bad input. Its message is always one bounded line:
 * control characters (a newline in a tensor name, an escape sequence) are escaped, and the file,
 * the field and the text are each cut to a few hundred characters around an ellipsis, so no input
 * (a million-dimension shape, a megabyte-long name) is echoed whole into a terminal or a log.
 *
 * @example
 * ```ts
 * try { hostTensor('float32', [2, 2], new Float32Array(3)); }
 * catch (error) { if (error instanceof WhittleError) console.log(error.code, error.field); }
 * ```
 */
export class WhittleError extends Error {
  readonly code: WhittleErrorCode;
  readonly field: string | undefined;
  readonly file: string | undefined;
  readonly step: number | undefined;
  /** The message as given, without the location in front (unbounded: it is data, not output). */
  readonly detail: string;

  constructor(code: WhittleErrorCode, message: string, location: ErrorLocation = {}, options?: { cause?: unknown }) {
    super(formatMessage(message, location), options);
    this.name = 'WhittleError';
    this.code = code;
    this.field = location.field;
    this.file = location.file;
    this.step = location.step;
    this.detail = message;
  }
}

function formatMessage(message: string, location: ErrorLocation): string {
  const where: string[] = [];
  if (location.file !== undefined) where.push(boundText(location.file, MAX_ERROR_LOCATION_LENGTH));
  if (location.step !== undefined) where.push(`step ${location.step}`);
  if (location.field !== undefined) where.push(boundText(location.field, MAX_ERROR_LOCATION_LENGTH));
  const text = boundText(message, MAX_ERROR_TEXT_LENGTH);
  return where.length === 0 ? text : `${where.join(': ')}: ${text}`;
}

/**
 * `text` made safe to print on one line: C0 and C1 control characters, DEL, the Unicode line and
 * paragraph separators and lone surrogates become escapes (`\n`, `\u001b`, `\ud800`).
 *
 * @example
 * ```ts
 * escapeControlCharacters('a\nb\u001b[31m'); // 'a\\nb\\u001b[31m'
 * ```
 */
export function escapeControlCharacters(text: string): string {
  // Nearly every text is clean: a scan of its code units is much cheaper than a replace.
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029 || (code >= 0xd800 && code <= 0xdfff)) {
      return text.replace(UNPRINTABLE, escapeCharacter);
    }
  }
  return text;
}

// Controls, separators, and surrogates not in a valid pair.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const SHORT_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeCharacter(character: string): string {
  return SHORT_ESCAPES[character] ?? `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * `text` on one printable line of at most `limit` characters: control characters escaped (see
 * {@link escapeControlCharacters}), and the middle of a longer text replaced by an ellipsis, so
 * both ends (a field's start, a message's verdict) survive. Only the ends of a huge text are
 * looked at.
 *
 * @example
 * ```ts
 * boundText('x'.repeat(1000), 8); // 'xxxxxx…x'
 * ```
 */
export function boundText(text: string, limit: number): string {
  if (text.length <= limit) {
    const escaped = escapeControlCharacters(text);
    if (escaped.length <= limit) return escaped;
  }
  const headLength = Math.ceil((limit - 1) * 0.75);
  const tailLength = Math.max(0, limit - 1 - headLength);
  // Never split a surrogate pair: half of one would print as an escape.
  let headEnd = Math.min(headLength, text.length);
  if (isHighSurrogate(text.charCodeAt(headEnd - 1))) headEnd -= 1;
  let tailStart = Math.max(headEnd, text.length - tailLength);
  if (isHighSurrogate(text.charCodeAt(tailStart - 1))) tailStart += 1;
  const head = escapeControlCharacters(text.slice(0, headEnd)).slice(0, headLength);
  const tail = escapeControlCharacters(text.slice(tailStart));
  return `${head}…${tailLength === 0 ? '' : tail.slice(-tailLength)}`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * `error` with `location` filled in where it had none: a WhittleError raised below the file
 * layer (a shape check, a tensor's data check, a recipe step) gets the file it was reading, and
 * its field is put under `location.field` (`header["w"]` + `data[1]` → `header["w"].data[1]`).
 * The code, the text and a step already set are kept; the original is the cause. Any other
 * value is returned as it is.
 *
 * @example
 * ```ts
 * try { hostTensor(dtype, shape, data); } catch (error) { throw locateError(error, { file, field: 'header["w"]' }); }
 * ```
 */
export function locateError(error: unknown, location: ErrorLocation, code?: WhittleErrorCode): unknown {
  if (!(error instanceof WhittleError)) return error;
  if (error.file !== undefined && code === undefined) return error;
  const field =
    location.field === undefined
      ? error.field
      : error.field === undefined || error.field === ''
        ? location.field
        : error.field.startsWith('[')
          ? `${location.field}${error.field}`
          : `${location.field}.${error.field}`;
  const file = error.file ?? location.file;
  const step = error.step ?? location.step;
  const merged: ErrorLocation = {
    ...(file === undefined ? {} : { file }),
    ...(step === undefined ? {} : { step }),
    ...(field === undefined ? {} : { field }),
  };
  return new WhittleError(code ?? error.code, error.detail, merged, { cause: error });
}

/** True when `value` is a {@link WhittleError} (optionally with the given code). */
export function isWhittleError(value: unknown, code?: WhittleErrorCode): value is WhittleError {
  return value instanceof WhittleError && (code === undefined || value.code === code);
}
