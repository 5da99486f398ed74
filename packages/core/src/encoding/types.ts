import type { HostTensor } from '../tensor/host-tensor.ts';
import type { EncodingCodec } from './encoding-codec.ts';
import type { ENCODING_CODECS } from './encoding-codecs.ts';

/**
 * The compressed tensor interface: a discriminated union of plain data. Every kind decodes to a
 * HostTensor of its `shape` and has an exact `byteLength` (the bytes of its component buffers).
 * Encodings nest: sparse values, low-rank factors are encodings themselves.
 *
 * The union is the kinds of the codec table (`encoding-codecs.ts`): {@link DenseEncoding},
 * {@link AffineEncoding}, {@link CodebookEncoding}, {@link SparseEncoding},
 * {@link LowRankEncoding}, {@link EntropyEncoding}. A kind with no codec cannot be a member, nor a codec lack its kind.
 */
export type Encoding = EncodingOfCodec<(typeof ENCODING_CODECS)[keyof typeof ENCODING_CODECS]>;

/** The kinds of {@link Encoding}, as `ENCODING_KINDS` lists them. */
export type EncodingKind = Encoding['kind'];

/** The encoding interface a codec reads and writes. */
export type EncodingOfCodec<Codec> = Codec extends EncodingCodec<infer Kind, unknown> ? Kind : never;

/**
 * Uncompressed values. Floats may be stored as float32, float16 or bfloat16 (decoding widens
 * them to float32); integer and bool tensors are stored and decoded as they are.
 */
export interface DenseEncoding {
  readonly kind: 'dense';
  readonly tensor: HostTensor;
}

/** How scales (and zero points) are shared across a tensor. */
export type Granularity =
  /** One scale for the whole tensor; scales have shape `[]`. */
  | { readonly kind: 'tensor' }
  /**
   * One scale per index along `axis` (per output channel for weights); scales have shape
   * `[shape[axis]]`. Stored axes are non-negative (constructors normalise negative ones).
   */
  | { readonly kind: 'axis'; readonly axis: number }
  /**
   * Consecutive runs of `size` elements along `axis` share one scale; the last group of a row
   * may be shorter. Scales have the tensor's shape with `axis` replaced by ceil(dim / size).
   */
  | { readonly kind: 'group'; readonly axis: number; readonly size: number };

/**
 * Affine (uniform) quantization: value = (code - zeroPoint) * scale, or, in the offset form
 * (tfjs-converter's stock uint8/uint16 and ggml's Q4_1), value = code * scale + offset.
 * Codes are `bits` wide (1–8 or 16), signed or not, bit-packed LSB-first in row-major order.
 */
export interface AffineEncoding {
  readonly kind: 'affine';
  readonly shape: readonly number[];
  readonly bits: number;
  readonly signed: boolean;
  readonly granularity: Granularity;
  /** Packed codes: ceil(size * bits / 8) bytes. */
  readonly codes: Uint8Array;
  /**
   * Scales shaped by the granularity: float32 or float16, or float64 where they come from a
   * format that keeps them as doubles (tfjs manifests), so decoding matches that format exactly.
   */
  readonly scales: HostTensor<'float64' | 'float32' | 'float16'>;
  /** Integer zero points shaped like `scales`; absent means zero (symmetric). */
  readonly zeroPoints?: HostTensor<'int8' | 'uint8' | 'int16' | 'uint16' | 'int32'>;
  /**
   * Real offsets shaped like `scales` (value = code * scale + offset, computed in float64);
   * never together with `zeroPoints`.
   */
  readonly offsets?: HostTensor<'float64' | 'float32' | 'float16'>;
}

/** Weight sharing: each element is `centroids[index]`, indices packed `bits` wide. */
export interface CodebookEncoding {
  readonly kind: 'codebook';
  readonly shape: readonly number[];
  readonly bits: number;
  /** At most 2^bits centroids, float32 or float16. */
  readonly centroids: HostTensor<'float32' | 'float16'>;
  /** Packed indices: ceil(size * bits / 8) bytes. */
  readonly indices: Uint8Array;
}

/** Where the nonzeros of a {@link SparseEncoding} sit. */
export type SparseLayout =
  /** One bit per element, LSB-first in row-major order; set bits are stored values. */
  | { readonly kind: 'bitmask'; readonly mask: Uint8Array }
  /**
   * Relative-index CSR (Deep Compression): rows are the leading axes flattened, columns the last
   * axis. Each stored value carries the gap (in columns) from the previous stored value of its
   * row, `indexBits` wide; a gap too long for `indexBits` is bridged by filler entries whose
   * stored value is zero. `rowPointers[r]` is the index of row r's first entry (length rows + 1).
   *
   * Precisely: the gap is the number of columns skipped, so an entry's column is the previous
   * entry's column + gap + 1, starting from column -1 in each row (gap 0 = the next column).
   * Runs of more than 2^indexBits - 1 skipped columns get filler entries with gap
   * 2^indexBits - 1. `gaps` packs one gap per entry, LSB-first.
   */
  | {
      readonly kind: 'csr';
      readonly indexBits: number;
      readonly gaps: Uint8Array;
      readonly rowPointers: Uint32Array;
    }
  /**
   * Relative indices over the whole tensor (Deep Compression's storage), with no row pointers:
   * the gaps run through the row-major flattened tensor, starting at position -1. Each of the
   * `count` entries advances the position by its gap + 1 (gap 0 = the next element); a run of
   * more than 2^indexBits - 1 skipped elements is bridged by filler entries of gap
   * 2^indexBits - 1 whose stored value is zero, as in `csr`. `gaps` packs one gap per entry,
   * `indexBits` wide, LSB-first. Every entry lands below the element count, so `count` is at
   * most the element count.
   */
  | { readonly kind: 'relative'; readonly indexBits: number; readonly count: number; readonly gaps: Uint8Array }
  /**
   * N:M structured sparsity: along `axis`, every run of `m` elements holds at most `n` stored
   * values; `positions` holds for each run the `n` offsets (log2(m) bits each, packed).
   *
   * Precisely: `shape[axis]` is a multiple of `m`; every run stores exactly `n` entries (zeros
   * where it has fewer nonzeros) at strictly increasing offsets below `m`, each packed in
   * `nmPositionBits(m)` bits (ceil(log2 m), at least 1; 16 when over 8). Runs are ordered
   * row-major over `shape` with `axis` replaced by the run index.
   */
  | { readonly kind: 'nm'; readonly n: number; readonly m: number; readonly axis: number; readonly positions: Uint8Array };

/** A tensor of mostly zeros: a layout plus the stored values, themselves a 1-D encoding. */
export interface SparseEncoding {
  readonly kind: 'sparse';
  readonly shape: readonly number[];
  readonly layout: SparseLayout;
  /** Stored values in layout order, a 1-D encoding of the entry count (decoded as float32). */
  readonly values: Encoding;
}

/**
 * A product of two factors: `left` [rows, rank] times `right` [rank, columns], where columns is
 * the last axis of `shape` and rows the product of the others (a conv kernel [kh, kw, in, out]
 * factorizes as [kh*kw*in, out]).
 */
export interface LowRankEncoding {
  readonly kind: 'lowrank';
  readonly shape: readonly number[];
  readonly left: Encoding;
  readonly right: Encoding;
}

/**
 * One entropy-coded symbol stream of an {@link EntropyEncoding}: the packed buffer at `field` of
 * the inner encoding, as `count` symbols of `symbolBits` bits coded with one canonical Huffman
 * code (codes at most 15 bits, most significant bit first).
 */
export interface HuffmanStream {
  /** Field path of the buffer inside the inner encoding: `codes`, `values.indices`, `layout.gaps`… */
  readonly field: string;
  /** The packing width of that buffer (bitmask bytes count as 8-bit symbols). */
  readonly symbolBits: number;
  /** Symbols in the stream. */
  readonly count: number;
  /** The code: one 4-bit length per symbol, symbol 2k in the low nibble of byte k, up to the last symbol with a code. */
  readonly lengths: Uint8Array;
  /** The coded bits; the last byte's unused low bits are zero. */
  readonly data: Uint8Array;
}

/**
 * Entropy coding (Deep Compression's last stage): an inner encoding whose integer symbol streams
 * (codebook indices, affine codes, CSR and relative gaps, N:M positions, bitmask bytes) are Huffman-coded.
 * `inner` holds an empty buffer at each coded stream's field; decoding restores those buffers
 * and decodes the inner encoding, so the values are exactly the inner encoding's.
 */
export interface EntropyEncoding {
  readonly kind: 'entropy';
  readonly coding: 'huffman';
  readonly shape: readonly number[];
  readonly inner: Encoding;
  /** At least one stream, each naming a different field. */
  readonly streams: readonly HuffmanStream[];
}
