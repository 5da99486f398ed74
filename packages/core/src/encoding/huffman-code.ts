/**
 * Canonical Huffman codes: optimal code lengths from symbol frequencies (limited to
 * {@link MAX_HUFFMAN_CODE_LENGTH} bits), the compact table that stores them (one 4-bit length per
 * symbol), and the check that an untrusted table is a complete prefix code.
 */
import { WhittleError, type ErrorLocation } from '../errors.ts';

/** The longest code a Huffman stream may use: lengths fit a 4-bit table entry. */
export const MAX_HUFFMAN_CODE_LENGTH = 15;

/** The most distinct symbols a length-limited code can give codes to. */
export const MAX_HUFFMAN_SYMBOLS = 2 ** MAX_HUFFMAN_CODE_LENGTH;

/**
 * Optimal prefix-code lengths for `frequencies` (symbol `s` occurs `frequencies[s]` times), none
 * longer than {@link MAX_HUFFMAN_CODE_LENGTH}. Unused symbols get length 0; a lone used symbol
 * gets length 1. Huffman's two-queue construction, then, when the tree is too deep, the
 * length-count adjustment of JPEG (ITU T.81, K.3), which keeps the code complete.
 *
 * @example
 * ```ts
 * huffmanCodeLengths([5, 1, 1, 2]); // Uint8Array [1, 3, 3, 2]
 * ```
 */
export function huffmanCodeLengths(frequencies: ArrayLike<number>): Uint8Array {
  const lengths = new Uint8Array(frequencies.length);
  const used: number[] = [];
  for (let symbol = 0; symbol < frequencies.length; symbol++) if (frequencies[symbol]! > 0) used.push(symbol);
  if (used.length === 0) return lengths;
  if (used.length === 1) {
    lengths[used[0]!] = 1;
    return lengths;
  }
  if (used.length > MAX_HUFFMAN_SYMBOLS) {
    throw new WhittleError(
      'invalid-argument',
      `${used.length} distinct symbols do not fit ${MAX_HUFFMAN_CODE_LENGTH}-bit codes (at most ${MAX_HUFFMAN_SYMBOLS})`,
      { field: 'symbols' },
    );
  }
  // Least frequent first; ties by symbol, so the lengths do not depend on the sort's stability.
  used.sort((left, right) => frequencies[left]! - frequencies[right]! || left - right);
  const depths = treeDepths(used.map((symbol) => frequencies[symbol]!));
  const counts = lengthCounts(depths);
  // The least frequent symbols take the longest codes: hand out lengths from the deepest level.
  let next = 0;
  for (let length = counts.length - 1; length >= 1; length--) {
    for (let remaining = counts[length]!; remaining > 0; remaining--) lengths[used[next++]!] = length;
  }
  return lengths;
}

/** Leaf depths of a Huffman tree over `weights` sorted ascending (two-queue construction). */
function treeDepths(weights: readonly number[]): Int32Array {
  const leaves = weights.length;
  const nodeWeights = new Float64Array(2 * leaves - 1);
  const parents = new Int32Array(2 * leaves - 1);
  nodeWeights.set(weights);
  let nextLeaf = 0;
  let nextInternal = leaves;
  let created = leaves;
  const takeSmallest = (): number => {
    // On a tie the leaf goes first, which keeps the tree shallow.
    if (nextLeaf < leaves && (nextInternal >= created || nodeWeights[nextLeaf]! <= nodeWeights[nextInternal]!)) return nextLeaf++;
    return nextInternal++;
  };
  while (created < 2 * leaves - 1) {
    const first = takeSmallest();
    const second = takeSmallest();
    nodeWeights[created] = nodeWeights[first]! + nodeWeights[second]!;
    parents[first] = created;
    parents[second] = created;
    created++;
  }
  // A parent is always created after its children, so one pass from the root down sets depths.
  const depths = new Int32Array(2 * leaves - 1);
  for (let node = 2 * leaves - 3; node >= 0; node--) depths[node] = depths[parents[node]!]! + 1;
  return depths.subarray(0, leaves);
}

/** How many leaves sit at each length, moved up to at most the length limit. */
function lengthCounts(depths: Int32Array): Int32Array {
  let deepest = 0;
  for (const depth of depths) deepest = Math.max(deepest, depth);
  const counts = new Int32Array(Math.max(deepest, MAX_HUFFMAN_CODE_LENGTH) + 1);
  for (const depth of depths) counts[depth]!++;
  // Each pass moves two leaves from the deepest level: one becomes the sibling of a leaf lifted
  // from a shallower level j (so j + 1 gains two), the other takes their parent's place one up.
  // The Kraft sum stays exactly 1 throughout, so the code stays complete.
  for (let length = deepest; length > MAX_HUFFMAN_CODE_LENGTH; length--) {
    while (counts[length]! > 0) {
      let shallower = length - 2;
      while (counts[shallower] === 0) shallower--;
      counts[length]! -= 2;
      counts[length - 1]! += 1;
      counts[shallower + 1]! += 2;
      counts[shallower]! -= 1;
    }
  }
  return counts.subarray(0, MAX_HUFFMAN_CODE_LENGTH + 1);
}

/**
 * The stored form of a code: one 4-bit length per symbol, symbol `2k` in the low nibble of byte
 * `k`, covering symbols up to the last one with a code (so a 5-bit stream's table is at most 16
 * bytes).
 *
 * @example
 * ```ts
 * packCodeLengths(new Uint8Array([1, 3, 3, 2])); // Uint8Array [0x31, 0x23]
 * ```
 */
export function packCodeLengths(lengths: Uint8Array): Uint8Array {
  let alphabet = lengths.length;
  while (alphabet > 0 && lengths[alphabet - 1] === 0) alphabet--;
  const packed = new Uint8Array(Math.ceil(alphabet / 2));
  for (let symbol = 0; symbol < alphabet; symbol++) packed[symbol >>> 1]! |= lengths[symbol]! << ((symbol & 1) * 4);
  return packed;
}

/** A checked canonical code, ready for decoding. */
export interface CanonicalCode {
  /** Code length of each symbol the table covers (0: no code). */
  readonly lengths: Uint8Array;
  /** Codes of each length, indexed by length (index 0 unused). */
  readonly countByLength: Int32Array;
  /** The first (smallest) code of each length. */
  readonly firstCode: Int32Array;
  /** Where each length's symbols start in `sortedSymbols`. */
  readonly firstIndex: Int32Array;
  /** Symbols with codes, by length, then by symbol: canonical order. */
  readonly sortedSymbols: Int32Array;
  readonly shortest: number;
  readonly longest: number;
}

/**
 * Unpacks and checks an untrusted length table (see {@link packCodeLengths}) for an alphabet of
 * `alphabetSize` symbols: it must describe a complete prefix code (Kraft sum exactly 1), or a
 * single symbol of length 1, or no symbol at all. Fails with an `invalid-encoding` WhittleError
 * at `location` naming the over- or under-subscribed length.
 *
 * @example
 * ```ts
 * const code = readCanonicalCode(new Uint8Array([0x31, 0x23]), 16, { field: 'streams[0].lengths' });
 * code.longest; // 3
 * ```
 */
export function readCanonicalCode(packed: Uint8Array, alphabetSize: number, location: ErrorLocation): CanonicalCode {
  if (packed.length > Math.ceil(alphabetSize / 2)) {
    throw new WhittleError('invalid-encoding', `${packed.length} bytes of lengths cover more than the ${alphabetSize} symbols`, location);
  }
  const lengths = new Uint8Array(packed.length * 2);
  const countByLength = new Int32Array(MAX_HUFFMAN_CODE_LENGTH + 1);
  for (let symbol = 0; symbol < lengths.length; symbol++) {
    const length = (packed[symbol >>> 1]! >>> ((symbol & 1) * 4)) & 15;
    lengths[symbol] = length;
    countByLength[length]!++;
  }
  countByLength[0] = 0;
  // Kraft sum in units of 2^-15: a complete code sums to exactly 2^15.
  let kraft = 0;
  let shortest = 0;
  let longest = 0;
  let coded = 0;
  for (let length = 1; length <= MAX_HUFFMAN_CODE_LENGTH; length++) {
    const count = countByLength[length]!;
    if (count === 0) continue;
    if (shortest === 0) shortest = length;
    longest = length;
    coded += count;
    kraft += count * 2 ** (MAX_HUFFMAN_CODE_LENGTH - length);
    if (kraft > MAX_HUFFMAN_SYMBOLS) {
      throw new WhittleError('invalid-encoding', `the code lengths are over-subscribed at length ${length}: not a prefix code`, location);
    }
  }
  const lone = coded === 1 && longest === 1;
  if (coded > 0 && kraft < MAX_HUFFMAN_SYMBOLS && !lone) {
    throw new WhittleError('invalid-encoding', 'the code lengths are under-subscribed: some bit patterns decode to no symbol', location);
  }
  const firstCode = new Int32Array(MAX_HUFFMAN_CODE_LENGTH + 2);
  const firstIndex = new Int32Array(MAX_HUFFMAN_CODE_LENGTH + 2);
  let code = 0;
  let index = 0;
  for (let length = 1; length <= MAX_HUFFMAN_CODE_LENGTH; length++) {
    code = (code + countByLength[length - 1]!) << 1;
    firstCode[length] = code;
    firstIndex[length] = index;
    index += countByLength[length]!;
  }
  const sortedSymbols = new Int32Array(coded);
  const fill = firstIndex.slice();
  for (let symbol = 0; symbol < lengths.length; symbol++) {
    const length = lengths[symbol]!;
    if (length > 0) sortedSymbols[fill[length]!++] = symbol;
  }
  return { lengths, countByLength, firstCode, firstIndex, sortedSymbols, shortest, longest };
}

/**
 * The canonical codes of `lengths` (RFC 1951, 3.2.2): shorter codes first, then by symbol; each
 * code is read most significant bit first.
 *
 * @example
 * ```ts
 * canonicalCodes(new Uint8Array([1, 3, 3, 2])); // Int32Array [0b0, 0b110, 0b111, 0b10]
 * ```
 */
export function canonicalCodes(lengths: Uint8Array): Int32Array {
  const countByLength = new Int32Array(MAX_HUFFMAN_CODE_LENGTH + 1);
  for (const length of lengths) countByLength[length]!++;
  countByLength[0] = 0;
  const nextCode = new Int32Array(MAX_HUFFMAN_CODE_LENGTH + 1);
  let code = 0;
  for (let length = 1; length <= MAX_HUFFMAN_CODE_LENGTH; length++) {
    code = (code + countByLength[length - 1]!) << 1;
    nextCode[length] = code;
  }
  const codes = new Int32Array(lengths.length);
  for (let symbol = 0; symbol < lengths.length; symbol++) {
    const length = lengths[symbol]!;
    if (length > 0) codes[symbol] = nextCode[length]!++;
  }
  return codes;
}
