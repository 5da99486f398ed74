/**
 * The WGSL of the affine kernels. Each dispatch covers one window of the tensor (elements
 * [base, base + count)), bound at a byte offset, so no binding exceeds the adapter's storage
 * binding limit; per-slot tables are bound from slot `slotLow` on. A tensor is seen as
 * [outer, length, inner] around its axis (the quantize package's `affineLayout`): a slot (one
 * scale) is a position along the axis, or a group of `groupSize` positions for one outer and one
 * inner index, or the whole tensor (length 1).
 */

/** Threads per workgroup: a multiple of every GPU's SIMD width that software adapters also run well. */
export const WORKGROUP_SIZE = 64;

/** Bytes of the {@link WINDOW_STRUCT} uniform. */
export const WINDOW_BYTES = 64;

/**
 * The per-dispatch uniform, sixteen 32-bit words in this order (see `writeWindow`). Signed
 * fields travel as their two's-complement bits.
 */
const WINDOW_STRUCT = /* wgsl */ `
struct Window {
  base: u32,
  count: u32,
  outer: u32,
  length: u32,
  inner: u32,
  groupSize: u32,
  groupCount: u32,
  slotLow: u32,
  threadsPerRow: u32,
  qmin: i32,
  qmax: i32,
  span: u32,
  parts: u32,
  slotCount: u32,
  unused0: u32,
  unused1: u32,
}
@group(0) @binding(0) var<uniform> bounds: Window;
`;

/** The slot (scale index) of a tensor element, for a grouped or an ungrouped layout. */
function slotFunction(grouped: boolean): string {
  return grouped
    ? /* wgsl */ `
fn slotOf(index: u32) -> u32 {
  let row = index / bounds.inner;
  let position = row % bounds.length;
  let outerIndex = row / bounds.length;
  return (outerIndex * bounds.groupCount + position / bounds.groupSize) * bounds.inner + index % bounds.inner;
}`
    : /* wgsl */ `
fn slotOf(index: u32) -> u32 {
  return (index / bounds.inner) % bounds.length;
}`;
}

/**
 * Ranges: one thread per (slot, part), the part being `span` consecutive elements of the slot in
 * its own order. Each thread folds the elements of its part that lie in the window into its
 * entry, which persists across windows: [low, high] starts at [0, 0] (ranges include 0 anyway),
 * and `bad` holds 1 + the index of the first NaN or infinity met, or 0. Finiteness is read from
 * the bits, since WGSL lets compilers assume floats are finite.
 */
export function rangeShader(grouped: boolean): string {
  const element = grouped
    ? /* wgsl */ `
  let inner = slot % bounds.inner;
  let groupRow = slot / bounds.inner;
  let group = groupRow % bounds.groupCount;
  let outerIndex = groupRow / bounds.groupCount;
  let firstRow = group * bounds.groupSize;
  let size = min(bounds.groupSize, bounds.length - firstRow);
  let rowBase = outerIndex * bounds.length + firstRow;`
    : /* wgsl */ `
  let size = bounds.outer * bounds.inner;`;
  const indexOf = grouped
    ? '(rowBase + k) * bounds.inner + inner'
    : '((k / bounds.inner) * bounds.length + slot) * bounds.inner + k % bounds.inner';
  return /* wgsl */ `${WINDOW_STRUCT}
struct Range {
  low: f32,
  high: f32,
  bad: u32,
  unused: u32,
}
@group(0) @binding(1) var<storage, read> values: array<f32>;
@group(0) @binding(2) var<storage, read_write> ranges: array<Range>;

fn elementIndex(slot: u32, k: u32${grouped ? ', rowBase: u32, inner: u32' : ''}) -> u32 {
  return ${indexOf};
}

@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let thread = id.y * bounds.threadsPerRow + id.x;
  if (thread >= bounds.slotCount * bounds.parts) { return; }
  let part = thread / bounds.slotCount;
  let slot = bounds.slotLow + thread % bounds.slotCount;
  ${element}
  let first = part * bounds.span;
  if (first >= size) { return; }
  let last = min(first + bounds.span, size) - 1u;
  let end = bounds.base + bounds.count;
  // Element indices grow with k, so a part wholly outside the window is skipped at once.
  if (elementIndex(slot, last${grouped ? ', rowBase, inner' : ''}) < bounds.base || elementIndex(slot, first${grouped ? ', rowBase, inner' : ''}) >= end) { return; }
  let entry = (slot - bounds.slotLow) * bounds.parts + part;
  var low = ranges[entry].low;
  var high = ranges[entry].high;
  var bad = ranges[entry].bad;
  for (var k = first; k <= last; k++) {
    let index = elementIndex(slot, k${grouped ? ', rowBase, inner' : ''});
    if (index < bounds.base || index >= end) { continue; }
    let value = values[index - bounds.base];
    if ((bitcast<u32>(value) & 0x7f800000u) == 0x7f800000u) {
      if (bad == 0u || index + 1u < bad) { bad = index + 1u; }
    } else {
      low = min(low, value);
      high = max(high, value);
    }
  }
  ranges[entry] = Range(low, high, bad, 0u);
}
`;
}

/**
 * Codes: one thread per 32-bit word of packed codes, LSB first (core's bit packing), each code
 * round(value · inverse) + zeroPoint, ties to even, clamped to [qmin, qmax] and masked to `bits`:
 * the host kernels' codes bit for bit. Their inverse is 1 / scale rounded to float32 and their
 * product the float32 product, which WGSL's multiplication is (correctly rounded), and WGSL's
 * round breaks ties to even as they do. GPUs may flush subnormals: a subnormal value times an
 * inverse of at most 2^100 is below a quarter and codes as 0 either way, and the products near
 * a code are normal.
 */
export function quantizeShader(grouped: boolean, bits: number): string {
  return /* wgsl */ `${WINDOW_STRUCT}
struct SlotCoding {
  inverse: f32,
  zeroPoint: i32,
}
@group(0) @binding(1) var<storage, read> values: array<f32>;
@group(0) @binding(2) var<storage, read> coding: array<SlotCoding>;
@group(0) @binding(3) var<storage, read_write> codes: array<u32>;
const BITS: u32 = ${bits}u;
const PER_WORD: u32 = ${32 / bits}u;
const MASK: u32 = ${2 ** bits - 1}u;
${slotFunction(grouped)}

@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let word = id.y * bounds.threadsPerRow + id.x;
  let first = word * PER_WORD;
  if (first >= bounds.count) { return; }
  var packed = 0u;
  for (var j = 0u; j < PER_WORD; j++) {
    let local = first + j;
    if (local >= bounds.count) { break; }
    let slot = coding[slotOf(bounds.base + local) - bounds.slotLow];
    let code = clamp(i32(round(values[local] * slot.inverse)) + slot.zeroPoint, bounds.qmin, bounds.qmax);
    packed |= (bitcast<u32>(code) & MASK) << (j * BITS);
  }
  codes[word] = packed;
}
`;
}

/**
 * Dequantize: one thread per 32-bit word of packed codes, each value (code − zeroPoint) · scale
 * in float32. The difference of two codes is an integer of at most 17 bits and WGSL rounds a
 * product correctly, so this is the float64 product rounded once to float32: core's `decode`.
 */
export function dequantizeShader(grouped: boolean, bits: number, signed: boolean): string {
  const extend = signed
    ? 'bitcast<i32>(raw << (32u - BITS)) >> (32u - BITS)'
    : 'bitcast<i32>(raw)';
  return /* wgsl */ `${WINDOW_STRUCT}
struct SlotScale {
  scale: f32,
  zeroPoint: i32,
}
@group(0) @binding(1) var<storage, read> codes: array<u32>;
@group(0) @binding(2) var<storage, read> scales: array<SlotScale>;
@group(0) @binding(3) var<storage, read_write> values: array<f32>;
const BITS: u32 = ${bits}u;
const PER_WORD: u32 = ${32 / bits}u;
const MASK: u32 = ${2 ** bits - 1}u;
${slotFunction(grouped)}

@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let word = id.y * bounds.threadsPerRow + id.x;
  let first = word * PER_WORD;
  if (first >= bounds.count) { return; }
  let packed = codes[word];
  for (var j = 0u; j < PER_WORD; j++) {
    let local = first + j;
    if (local >= bounds.count) { break; }
    let raw = (packed >> (j * BITS)) & MASK;
    let code = ${extend};
    let slot = scales[slotOf(bounds.base + local) - bounds.slotLow];
    values[local] = f32(code - slot.zeroPoint) * slot.scale;
  }
}
`;
}
