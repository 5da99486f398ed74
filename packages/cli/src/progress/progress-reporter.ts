import { createLogUpdate } from 'log-update';
import type { CliIo } from '../cli-io.ts';

/**
 * Progress of long work on stderr: a bar redrawn in place on a terminal, plain lines otherwise,
 * nothing with `--quiet`. Never writes to stdout, which holds results only.
 */
export interface ProgressReporter {
  /** `done` of `total` items are finished; `label` says what (a step and a param name). */
  update(done: number, total: number, label: string): void;
  /** A line that stays (a step finished, a note about the run). */
  note(message: string): void;
  /** Removes the bar, if one is drawn. Call when the work ends, whether it succeeded or not. */
  close(): void;
}

/** Options of {@link createProgressReporter}. */
export interface ProgressOptions {
  /** Prefix of every line: the command's name. */
  readonly prefix: string;
  /** Least time between two plain progress lines, so a log is not flooded; default 1000 ms. */
  readonly lineIntervalMs?: number;
  /** Least time between two redraws of the bar; default 80 ms. */
  readonly redrawIntervalMs?: number;
  /** The clock, in milliseconds (tests pass their own). */
  readonly now?: () => number;
}

const BAR_WIDTH = 24;

/**
 * A progress reporter writing through `io`: on `io.terminal` a bar redrawn in place (with
 * log-update), otherwise one line per update at most every `lineIntervalMs` (and always the
 * first and last of a run of updates), and nothing at all when `io.progress` is false. Hook a
 * loop up with one line: `reporter.update(index + 1, count, name)`.
 *
 * @example
 * ```ts
 * const progress = createProgressReporter(io, { prefix: 'compress' });
 * try { for (const [index, name] of names.entries()) { await work(name); progress.update(index + 1, names.length, name); } }
 * finally { progress.close(); }
 * ```
 */
export function createProgressReporter(io: CliIo, options: ProgressOptions): ProgressReporter {
  if (io.progress === false) return { update() {}, note() {}, close() {} };
  const { prefix, lineIntervalMs = 1000, redrawIntervalMs = 80, now = () => performance.now() } = options;
  if (io.terminal !== undefined) return terminalReporter(io.terminal, prefix, redrawIntervalMs, now);
  let lastLine = -Infinity;
  let lastTotal = -1;
  return {
    update(done, total, label) {
      const time = now();
      const first = total !== lastTotal || done <= 1;
      if (!first && done < total && time - lastLine < lineIntervalMs) return;
      lastLine = time;
      lastTotal = total;
      io.stderr(`${prefix}: ${label} (${done}/${total})\n`);
    },
    note(message) {
      io.stderr(`${prefix}: ${message}\n`);
    },
    close() {},
  };
}

function terminalReporter(terminal: NonNullable<CliIo['terminal']>, prefix: string, redrawIntervalMs: number, now: () => number): ProgressReporter {
  // The cursor stays visible: hiding it would need restoring on every way the process can end.
  const draw = createLogUpdate(terminal, { showCursor: true });
  let lastDraw = -Infinity;
  return {
    update(done, total, label) {
      const time = now();
      if (done < total && time - lastDraw < redrawIntervalMs) return;
      lastDraw = time;
      // One line, cut to the terminal's width: a wrapped bar would redraw as two.
      const line = `${prefix}: ${bar(done, total)} ${done}/${total} ${label}`;
      const width = Math.max(20, (terminal.columns ?? 80) - 1);
      draw(line.length > width ? `${line.slice(0, width - 1)}…` : line);
    },
    note(message) {
      draw.clear();
      terminal.write(`${prefix}: ${message}\n`);
      lastDraw = -Infinity;
    },
    close() {
      draw.clear();
    },
  };
}

/**
 * A text bar of `done` over `total`: `[#########---------------]`.
 *
 * @example
 * ```ts
 * bar(1, 2); // '[############------------]'
 * ```
 */
export function bar(done: number, total: number): string {
  const share = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  const filled = Math.round(share * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
}
