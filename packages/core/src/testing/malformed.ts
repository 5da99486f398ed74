/**
 * Arbitraries of malformed input for fuzzing parsers and validators: mutations of a valid value
 * (a field replaced by a hostile value, deleted, or a buffer that lies about its length) and
 * deep nesting. A validator under fuzz must throw its typed error or accept, nothing else.
 */
import fc from 'fast-check';

/** Values that break naive readers: wrong types, edge numbers, bad shapes, wrong typed arrays. */
export const HOSTILE_VALUES: readonly unknown[] = [
  undefined,
  null,
  true,
  '',
  'dense',
  '__proto__',
  -1,
  0,
  0.5,
  9,
  17,
  -0,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  1e308,
  [],
  {},
  [-1],
  [1.5],
  [Number.NaN],
  [2 ** 40],
  [2 ** 20, 2 ** 20],
  [65536, 65536],
  new Uint8Array(0),
  new Uint8Array(3),
  new Int8Array(4),
  new Float32Array(2),
  new Uint16Array(5),
  new Uint32Array([0, 2 ** 32 - 1]),
  { kind: 'dense' },
  { kind: 'sparse', shape: [1], layout: { kind: 'bitmask' } },
  { kind: 'tensor' },
  { dtype: 'float32', shape: [2], data: new Float32Array(1) },
  { buffer: 'missing', dtype: 'uint8', shape: [1] },
];

type Path = readonly (string | number)[];

function isContainer(value: unknown): value is Record<string | number, unknown> {
  return typeof value === 'object' && value !== null && !ArrayBuffer.isView(value);
}

/**
 * Every path to a field of `value` (typed arrays are leaves), at most `maxDepth` deep.
 *
 * @example
 * ```ts
 * fieldPaths({ a: { b: 1 } }); // [['a'], ['a', 'b']]
 * ```
 */
export function fieldPaths(value: unknown, maxDepth = 12): Path[] {
  const paths: Path[] = [];
  const visit = (node: unknown, path: Path): void => {
    if (!isContainer(node) || path.length >= maxDepth) return;
    for (const key of Object.keys(node)) {
      const childPath = [...path, Array.isArray(node) ? Number(key) : key];
      paths.push(childPath);
      visit(node[key], childPath);
    }
  };
  visit(value, []);
  return paths;
}

/**
 * A copy of `value` with the field at `path` replaced (`remove` deletes it); untouched parts are shared.
 *
 * @example
 * ```ts
 * replaceAt({ a: { b: 1 } }, ['a', 'b'], 2); // { a: { b: 2 } }
 * ```
 */
export function replaceAt(value: unknown, path: Path, replacement: unknown, remove = false): unknown {
  if (path.length === 0) return replacement;
  if (!isContainer(value)) return value;
  const [head, ...rest] = path as [string | number, ...Path];
  const copy = (Array.isArray(value) ? [...value] : { ...value }) as Record<string | number, unknown>;
  if (rest.length === 0 && remove) delete copy[head];
  else copy[head] = replaceAt(value[head], rest, replacement, remove);
  return copy;
}

function readAt(value: unknown, path: Path): unknown {
  let node = value;
  for (const key of path) node = isContainer(node) ? node[key] : undefined;
  return node;
}

/** A typed array of the same kind, shorter or longer: a buffer that lies about its length. */
function resized(array: ArrayBufferView, delta: number): ArrayBufferView {
  const source = array as unknown as Uint8Array;
  const type = source.constructor as Uint8ArrayConstructor;
  const copy = new type(Math.max(0, source.length + delta));
  copy.set(source.subarray(0, copy.length));
  return copy;
}

/**
 * Single mutations of `value`: one field replaced by a hostile value, nudged (numbers ±1, ×2),
 * deleted, or (for typed arrays) resized or bit-flipped.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(mutationArbitrary(metadata), (bad) => { try { parse(bad); } catch (e) { expect(e).toBeInstanceOf(WhittleError); } }));
 * ```
 */
export function mutationArbitrary(value: unknown): fc.Arbitrary<unknown> {
  const paths = fieldPaths(value);
  if (paths.length === 0) return fc.constantFrom(...HOSTILE_VALUES);
  return fc.tuple(fc.constantFrom(...paths), fc.nat(), fc.integer({ min: -3, max: 3 })).chain(([path, seed, delta]) => {
    const current = readAt(value, path);
    const mutations: unknown[] = [
      replaceAt(value, path, HOSTILE_VALUES[seed % HOSTILE_VALUES.length]),
      replaceAt(value, path, undefined, true),
    ];
    if (typeof current === 'number')
      mutations.push(replaceAt(value, path, current + delta), replaceAt(value, path, current * 2 + 1));
    if (ArrayBuffer.isView(current)) {
      mutations.push(replaceAt(value, path, resized(current, delta === 0 ? 1 : delta)));
      const flipped = resized(current, 0) as Uint8Array;
      if (flipped.length > 0) {
        flipped[seed % flipped.length] = ~flipped[seed % flipped.length]!;
        mutations.push(replaceAt(value, path, flipped));
      }
    }
    return fc.constantFrom(...mutations);
  });
}

/**
 * An encoding-shaped object nested `depth` levels deep through sparse `values`.
 *
 * @example
 * ```ts
 * expect(() => validateEncoding(deeplyNested(100))).toThrow(WhittleError);
 * ```
 */
export function deeplyNested(depth: number, leaf: unknown = { kind: 'dense' }): unknown {
  let node = leaf;
  for (let level = 0; level < depth; level++) {
    node = { kind: 'sparse', shape: [1], layout: { kind: 'bitmask', mask: new Uint8Array([1]) }, values: node };
  }
  return node;
}
