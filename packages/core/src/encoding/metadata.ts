/**
 * The serialised form of an encoding: JSON-serialisable metadata plus named component buffers.
 * Formats write each buffer as one tensor (a safetensors entry, a tfjs shard entry) and the
 * metadata beside them; `assembleEncoding` reads them back.
 */
import type { DType } from '../tensor/dtype.ts';
import type { EncodingCodec } from './encoding-codec.ts';
import type { ENCODING_CODECS } from './encoding-codecs.ts';
import type { Granularity } from './types.ts';

/**
 * Points at one component buffer by name, with the dtype and shape it holds. Packed bit streams
 * (codes, indices, mask, gaps, positions) are 1-D `uint8`; CSR row pointers are 1-D `int32`
 * holding the bytes of their Uint32Array.
 */
export interface BufferReference {
  readonly buffer: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
}

/** One named component buffer: little-endian bytes of a tensor of `dtype` and `shape`. */
export interface EncodingBuffer {
  /** The field path inside the encoding: `codes`, `scales`, `values.codes`, `left.scales`… */
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly bytes: Uint8Array;
}

/** An encoding split into metadata and buffers, as `encodingParts` returns it. */
export interface EncodingParts {
  readonly metadata: EncodingMetadata;
  readonly buffers: readonly EncodingBuffer[];
}

/**
 * Metadata of an {@link Encoding}: its fields, with buffers replaced by references. One member
 * per codec of the table (`encoding-codecs.ts`), as that codec's `parts` writes it.
 */
export type EncodingMetadata = MetadataOfCodec<(typeof ENCODING_CODECS)[keyof typeof ENCODING_CODECS]>;

/** The metadata a codec writes. */
export type MetadataOfCodec<Codec> = Codec extends EncodingCodec<infer _Kind, infer Metadata> ? Metadata : never;

/** Metadata of a dense encoding; `shape` repeats the tensor's shape for readers. */
export interface DenseMetadata {
  readonly kind: 'dense';
  readonly shape: readonly number[];
  readonly tensor: BufferReference;
}

/** Metadata of an affine encoding. */
export interface AffineMetadata {
  readonly kind: 'affine';
  readonly shape: readonly number[];
  readonly bits: number;
  readonly signed: boolean;
  readonly granularity: Granularity;
  readonly codes: BufferReference;
  readonly scales: BufferReference;
  readonly zeroPoints?: BufferReference;
  readonly offsets?: BufferReference;
}

/** Metadata of a codebook encoding. */
export interface CodebookMetadata {
  readonly kind: 'codebook';
  readonly shape: readonly number[];
  readonly bits: number;
  readonly centroids: BufferReference;
  readonly indices: BufferReference;
}

/** Metadata of a sparse layout. */
export type SparseLayoutMetadata =
  | { readonly kind: 'bitmask'; readonly mask: BufferReference }
  | {
      readonly kind: 'csr';
      readonly indexBits: number;
      readonly gaps: BufferReference;
      readonly rowPointers: BufferReference;
    }
  | { readonly kind: 'relative'; readonly indexBits: number; readonly count: number; readonly gaps: BufferReference }
  | {
      readonly kind: 'nm';
      readonly n: number;
      readonly m: number;
      readonly axis: number;
      readonly positions: BufferReference;
    };

/** Metadata of a sparse encoding. */
export interface SparseMetadata {
  readonly kind: 'sparse';
  readonly shape: readonly number[];
  readonly layout: SparseLayoutMetadata;
  readonly values: EncodingMetadata;
}

/** Metadata of a low-rank encoding. */
export interface LowRankMetadata {
  readonly kind: 'lowrank';
  readonly shape: readonly number[];
  readonly left: EncodingMetadata;
  readonly right: EncodingMetadata;
}

/** Metadata of one coded stream of an entropy encoding. */
export interface HuffmanStreamMetadata {
  readonly field: string;
  readonly symbolBits: number;
  readonly count: number;
  readonly lengths: BufferReference;
  readonly data: BufferReference;
}

/** Metadata of an entropy encoding. */
export interface EntropyMetadata {
  readonly kind: 'entropy';
  readonly coding: 'huffman';
  readonly shape: readonly number[];
  readonly inner: EncodingMetadata;
  readonly streams: readonly HuffmanStreamMetadata[];
}
