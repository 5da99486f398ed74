/**
 * A growable typed array, the columns that hold a million header entries without an object each.
 */

/** The typed arrays a {@link Column} may hold. */
export type ColumnArray = Float64Array | Uint32Array | Uint8Array;

/**
 * A growable typed array of the narrowest type that holds its values: offsets and dimensions
 * need doubles, positions in a header of at most 100 MB fit 32 bits, a dtype code a byte.
 */
export class Column<Values extends ColumnArray> {
  length = 0;
  constructor(
    public values: Values,
    private readonly make: (length: number) => Values,
  ) {}
  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = this.make(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }
  /** The values pushed, without a copy. */
  view(): Values {
    return this.values.subarray(0, this.length) as Values;
  }
}
