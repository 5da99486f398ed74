/**
 * The one interface every encoding kind implements: a small module per kind (`dense-codec.ts`,
 * `affine-codec.ts`…) registered in the table of `encoding-codecs.ts`. The generic functions
 * (`decode`, `byteLength`, `validateEncoding`, `encodingParts`, `assembleEncoding`,
 * `describeEncoding`) dispatch through that table, so a new kind is one module and one table row.
 */
import type { ErrorLocation } from '../errors.ts';
import type { DType } from '../tensor/dtype.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';
import type { TypedArrayType } from './byte-order.ts';
import type { BufferReference } from './metadata.ts';
import type { Encoding } from './types.ts';

/**
 * What one encoding kind supplies. `Kind` is the encoding's interface, `Metadata` its serialised
 * form. Nested encodings (sparse values, low-rank factors) are reached only through the `nested`,
 * `writer` and `reader` arguments, which dispatch through the same table as the caller: a codec
 * never imports the generic functions, so kinds nest in any combination.
 */
export interface EncodingCodec<Kind extends { readonly kind: string } = { readonly kind: string }, Metadata = unknown> {
  readonly kind: Kind['kind'];
  /**
   * The shape of the tensor the encoding stands for; its product is the param count every
   * kind reports (zeros of a sparse tensor included).
   */
  shape(encoding: Kind): readonly number[];
  /** Exact bytes of every component buffer, nested encodings included (metadata not counted). */
  byteLength(encoding: Kind, nested: NestedEncodings): number;
  /**
   * The tensor it stands for (float32 for every compressed kind), over plain typed arrays. With
   * `destination` (already checked to be a Float32Array of the element count), the values are
   * written there as float32 and the result's data is `destination`; a codec that ignores it is
   * copied into it by the generic `decode`.
   */
  decode(encoding: Kind, nested: NestedEncodings, destination?: Float32Array): HostTensor;
  /**
   * Checks an untrusted object whose `kind` is this one and returns the shape it decodes to.
   * Every expected buffer size is computed from already validated numbers, so a lying length
   * field can neither crash nor make us allocate. Fails with `fail` from `field-checks.ts`.
   */
  validate(record: Readonly<Record<string, unknown>>, location: ErrorLocation, nested: NestedValidation): readonly number[];
  /** Its metadata, with every component buffer handed to `writer` and replaced by a reference. */
  parts(encoding: Kind, writer: PartsWriter): Metadata;
  /**
   * The encoding-shaped object untrusted metadata describes, buffers resolved through `reader`;
   * only the references are checked here, `validate` checks the result as a whole.
   */
  readParts(record: Readonly<Record<string, unknown>>, reader: PartsReader): unknown;
  /**
   * A few words for listings (`affine int4 group 32`), from the fields of an encoding or of its
   * metadata (they share field names). The fields are untrusted: a missing or mistyped one shows
   * as `?` (see `describe-fields.ts`), never throws.
   */
  describe(fields: Readonly<Record<string, unknown>>, nested: (value: unknown) => string): string;
}

/** The generic operations, for codecs of kinds that hold other encodings. */
export interface NestedEncodings {
  decode(encoding: Encoding, destination?: Float32Array): HostTensor;
  byteLength(encoding: Encoding): number;
  shape(encoding: Encoding): readonly number[];
}

/** Validation of a nested encoding, one level deeper (the depth limit is the caller's). */
export interface NestedValidation {
  /**
   * Checks the encoding in field `field` and returns its shape; with `expectedShape`, a different
   * shape fails at `field.shape`.
   */
  encoding(value: unknown, field: string, expectedShape?: readonly number[]): readonly number[];
}

/** Collects component buffers while a codec writes its metadata. */
export interface PartsWriter {
  /** A buffer holding `data`'s bytes (1-D unless `shape` says otherwise), named `field`. */
  buffer(field: string, dtype: DType, data: ArrayBufferView & { readonly BYTES_PER_ELEMENT: number }, shape?: readonly number[]): BufferReference;
  /** A buffer holding a tensor, named `field`. */
  tensor(field: string, tensor: HostTensor): BufferReference;
  /** The metadata of a nested encoding, its buffers named under `field.`. */
  encoding(field: string, encoding: Encoding): unknown;
}

/**
 * Resolves buffer references while a codec reads untrusted metadata. Each method checks the
 * reference (the buffer's name is the one `encodingParts` gives field `field`, the dtype is
 * allowed, the byte length is exact for the shape) and copies the bytes into an aligned array.
 */
export interface PartsReader {
  /** Where the encoding being read sits, for errors a codec raises itself. */
  readonly location: ErrorLocation;
  bytes(value: unknown, field: string): Uint8Array;
  vector<T extends ArrayBufferView>(value: unknown, field: string, dtype: DType, type: TypedArrayType<T>): T;
  tensor(value: unknown, field: string, dtypes: readonly DType[]): HostTensor;
  /** A nested encoding's metadata, one level deeper. */
  encoding(value: unknown, field: string): unknown;
}

/** Codecs by kind, as `encodingOperations` takes them. */
// Methods compare bivariantly, so a codec of any one kind fits the default parameters.
export type EncodingCodecTable = Readonly<Record<string, EncodingCodec>>;
