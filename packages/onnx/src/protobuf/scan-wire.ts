/**
 * A structural check of protobuf bytes against a message schema, before they are decoded: every
 * tag, varint and length is read and bounded, so a hostile file is refused with the path of the
 * field at fault (`graph.initializer[3].raw_data`) instead of a decoder's bare "premature EOF".
 * It allocates nothing per field, so it costs one pass over the bytes.
 */
import type { DescField, DescMessage } from '@bufbuild/protobuf';
import { WhittleError } from '@whittle/core';

/** How deep messages may nest (a graph inside an attribute inside a node inside a graph…). */
export const MAX_MESSAGE_DEPTH = 64;

/**
 * The decoded message tree may take at most this many bytes besides 8 bytes per byte of input
 * (see {@link decodedBudget}): enough for any real graph, while a file of millions of empty
 * messages (2 bytes each, a few hundred bytes each once decoded) is refused before decoding.
 */
export const DECODED_BYTES_ALLOWANCE = 256 * 2 ** 20;

/** Estimated bytes of one decoded message (an object with a dozen fields and its arrays). */
const MESSAGE_COST = 400;
/** Estimated bytes of one decoded field value or packed 32-bit element (a JS number or reference). */
const VALUE_COST = 16;
/** Estimated bytes of one decoded 64-bit integer (a BigInt). */
const BIGINT_COST = 32;

/**
 * The most bytes of objects the decoded tree of `byteLength` protobuf bytes may take:
 * {@link DECODED_BYTES_ALLOWANCE} plus 8 per input byte.
 *
 * @example
 * ```ts
 * decodedBudget(1_000_000); // 276435456
 * ```
 */
export function decodedBudget(byteLength: number): number {
  return DECODED_BYTES_ALLOWANCE + 8 * byteLength;
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

interface ScanState {
  readonly bytes: Uint8Array;
  readonly file: string;
  position: number;
  /** Estimated bytes left for the decoded tree. */
  budget: number;
}

/**
 * Walks `bytes` as a `schema` message and throws a `malformed-file` WhittleError naming `file`
 * and the field for a truncated varint, a length past the end of its message, an unknown or
 * group wire type, a field whose wire type its schema forbids, messages nested deeper than
 * {@link MAX_MESSAGE_DEPTH}, or so many small messages and values that their decoded objects
 * would pass {@link decodedBudget}. Unknown field numbers are allowed (and kept by the decoder).
 *
 * @example
 * ```ts
 * scanMessage(ModelProtoSchema, bytes, 'model.onnx'); // throws on `new Uint8Array([0x0a, 0x05])`
 * ```
 */
export function scanMessage(schema: DescMessage, bytes: Uint8Array, file: string): void {
  const state: ScanState = { bytes, file, position: 0, budget: decodedBudget(bytes.byteLength) };
  scanFields(state, schema, bytes.byteLength, '', 0);
}

function scanFields(state: ScanState, schema: DescMessage, end: number, path: string, depth: number): void {
  if (depth > MAX_MESSAGE_DEPTH) {
    malformed(state, `messages nest deeper than ${MAX_MESSAGE_DEPTH} levels`, path);
  }
  spend(state, MESSAGE_COST, path === '' ? '(message)' : path);
  const counts = new Map<number, number>();
  while (state.position < end) {
    const tagField = path === '' ? '(tag)' : `${path}.(tag)`;
    const tag = readVarint(state, end, tagField);
    const fieldNumber = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (fieldNumber === 0) malformed(state, 'a field numbered 0', tagField);
    const field = schema.fields.find((candidate) => candidate.number === fieldNumber);
    const index = counts.get(fieldNumber) ?? 0;
    counts.set(fieldNumber, index + 1);
    const name = field === undefined ? `(field ${fieldNumber})` : field.name;
    const isList = field !== undefined && (field.fieldKind === 'list' || field.fieldKind === 'map');
    const fieldPath = `${path === '' ? '' : `${path}.`}${name}${isList ? `[${index}]` : ''}`;
    spend(state, field !== undefined && isSixtyFourBit(field) ? BIGINT_COST : VALUE_COST, fieldPath);
    scanValue(state, field, wireType, end, fieldPath, depth);
  }
  if (state.position !== end) malformed(state, 'a field runs past the end of its message', path === '' ? '(message)' : path);
}

function scanValue(state: ScanState, field: DescField | undefined, wireType: number, end: number, path: string, depth: number): void {
  switch (wireType) {
    case WIRE_VARINT:
      expectWire(state, field, 'varint', path);
      readVarint(state, end, path);
      return;
    case WIRE_FIXED64:
      expectWire(state, field, 'fixed64', path);
      skip(state, 8, end, path);
      return;
    case WIRE_FIXED32:
      expectWire(state, field, 'fixed32', path);
      skip(state, 4, end, path);
      return;
    case WIRE_LENGTH_DELIMITED: {
      const length = readVarint(state, end, path);
      const start = state.position;
      if (length > end - start) {
        malformed(state, `a length of ${length} bytes runs past the end (${end - start} bytes left)`, path);
      }
      const message = messageOf(field);
      if (message !== undefined) {
        scanFields(state, message, start + length, path, depth + 1);
      } else {
        expectWire(state, field, 'bytes', path);
        if (field !== undefined && isPackable(field)) scanPacked(state, field, start + length, path);
        state.position = start + length;
      }
      return;
    }
    default:
      malformed(state, `wire type ${wireType} is not one protobuf 3 writes`, path);
  }
}

/** The message type a length-delimited field holds, or undefined for bytes, strings and packed lists. */
function messageOf(field: DescField | undefined): DescMessage | undefined {
  if (field === undefined) return undefined;
  if (field.fieldKind === 'message') return field.message;
  if (field.fieldKind === 'list' && field.listKind === 'message') return field.message;
  return undefined;
}

function isPackable(field: DescField): boolean {
  return field.fieldKind === 'list' && (field.listKind === 'scalar' || field.listKind === 'enum') && !isBytesLike(field);
}

function isBytesLike(field: DescField): boolean {
  // ScalarType.STRING = 9, ScalarType.BYTES = 12: the only scalars written length-delimited.
  return field.scalar === 9 || field.scalar === 12;
}

/** The wire types a field's schema allows, so a scalar given as a message (or the reverse) is refused. */
function expectWire(state: ScanState, field: DescField | undefined, wire: 'varint' | 'fixed64' | 'fixed32' | 'bytes', path: string): void {
  if (field === undefined) return;
  const allowed = allowedWire(field);
  if (!allowed.includes(wire)) malformed(state, `a ${wire} value where the schema has ${allowed.join(' or ')}`, path);
}

function allowedWire(field: DescField): readonly string[] {
  if (field.fieldKind === 'message' || field.fieldKind === 'map') return ['bytes'];
  if (field.fieldKind === 'list' && field.listKind === 'message') return ['bytes'];
  const single = field.fieldKind === 'enum' || (field.fieldKind === 'list' && field.listKind === 'enum') ? 'varint' : scalarWire(field.scalar);
  return field.fieldKind === 'list' && single !== 'bytes' ? [single, 'bytes'] : [single];
}

function scalarWire(scalar: number | undefined): 'varint' | 'fixed64' | 'fixed32' | 'bytes' {
  switch (scalar) {
    case 1: // DOUBLE
    case 6: // FIXED64
    case 16: // SFIXED64
      return 'fixed64';
    case 2: // FLOAT
    case 7: // FIXED32
    case 15: // SFIXED32
      return 'fixed32';
    case 9: // STRING
    case 12: // BYTES
      return 'bytes';
    default:
      return 'varint';
  }
}

function scanPacked(state: ScanState, field: DescField, end: number, path: string): void {
  const wire = field.fieldKind === 'list' && field.listKind === 'enum' ? 'varint' : scalarWire(field.scalar);
  const length = end - state.position;
  if (wire === 'fixed64' || wire === 'fixed32') {
    const width = wire === 'fixed64' ? 8 : 4;
    if (length % width !== 0) malformed(state, `a packed list of ${length} bytes is not whole ${width}-byte values`, path);
    // A float decodes to an 8-byte number: at most twice its bytes, within the budget's 8 per byte.
    return;
  }
  const cost = isSixtyFourBit(field) ? BIGINT_COST : VALUE_COST;
  while (state.position < end) {
    readVarint(state, end, path);
    spend(state, cost, path);
  }
}

/** int64, uint64, sint64, fixed64 and sfixed64 decode to BigInts. */
function isSixtyFourBit(field: DescField): boolean {
  return field.scalar === 3 || field.scalar === 4 || field.scalar === 6 || field.scalar === 16 || field.scalar === 18;
}

function spend(state: ScanState, cost: number, path: string): void {
  state.budget -= cost;
  if (state.budget < 0) {
    malformed(state, `the file holds so many small messages and values that decoding them would take over ${decodedBudget(state.bytes.byteLength)} bytes`, path);
  }
}

function skip(state: ScanState, length: number, end: number, path: string): void {
  if (length > end - state.position) malformed(state, `the value needs ${length} bytes, ${end - state.position} are left`, path);
  state.position += length;
}

/** A varint of at most 10 bytes, as a number (exact up to 2^53; only its size matters beyond). */
function readVarint(state: ScanState, end: number, path: string): number {
  const { bytes } = state;
  let value = 0;
  let multiplier = 1;
  for (let count = 0; count < 10; count++) {
    if (state.position >= end) malformed(state, 'a varint is cut off by the end of its message', path);
    const byte = bytes[state.position++]!;
    value += (byte & 0x7f) * multiplier;
    multiplier *= 128;
    if (byte < 0x80) return value;
  }
  malformed(state, 'a varint is longer than 10 bytes', path);
}

function malformed(state: ScanState, message: string, field: string): never {
  throw new WhittleError('malformed-file', `${message} (at byte ${state.position})`, { file: state.file, field });
}
