/**
 * One figure of a benchmark run. Rows are flat so they print as a table, serialise as JSON and
 * compare across runs and machines.
 */
export interface ResultRow {
  /** The suite that produced the row, e.g. `backends`. */
  readonly suite: string;
  /** What was measured, e.g. `matmul` or `cast-float16`. */
  readonly case: string;
  /** The tfjs backend it ran on, or `js` for plain JavaScript over typed arrays. */
  readonly backend: string;
  /** The problem size, e.g. `1024x1024x1024` or `16777216`. */
  readonly size: string;
  /** What `value` is, e.g. `throughput`. */
  readonly metric: string;
  readonly value: number;
  /** The unit of `value` and `bound`, e.g. `GFLOP/s` or `params/s`. */
  readonly unit: string;
  /**
   * The best this case could do on this machine, measured in the same run (for a storage
   * conversion, a plain copy of the same bytes), in the same unit as `value`.
   */
  readonly bound?: number;
  /**
   * The same figure for a peer implementation of the same work, measured in the same run on the
   * same input (tfjs's own weight decoder, say), so the ratio value / peer needs no other run.
   */
  readonly peer?: PeerFigure;
  /**
   * The slowest and fastest of the timed runs `value` is the median of, in the row's unit, where
   * the suite reports them.
   */
  readonly spread?: Spread;
}

/** The range of a timed figure over its runs, in the row's unit. */
export interface Spread {
  /** The lowest figure of any run (for a throughput, the slowest run's). */
  readonly min: number;
  /** The highest figure of any run. */
  readonly max: number;
}

/** A peer implementation's figure for the same case, in the row's unit. */
export interface PeerFigure {
  /** What the peer is, e.g. `tf.io.decodeWeights`. */
  readonly name: string;
  readonly value: number;
}
