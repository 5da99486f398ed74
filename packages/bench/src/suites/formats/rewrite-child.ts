import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { runNode } from '../../run-node.ts';
import { peakRssFromStatus } from './peak-rss.ts';

/** `rewrite`: stream the input through an identity rewrite; `baseline`: load core and stop. */
export type RewriteChildMode = 'rewrite' | 'baseline';

/** What one child process measured of itself. */
export interface RewriteChildFigures {
  /** Seconds of the rewrite alone, after start-up and imports (0 for a baseline). */
  readonly seconds: number;
  /** The child's peak RSS in bytes: `VmHWM` where Linux reports it, else the highest sample. */
  readonly peakRssBytes: number;
  readonly peakRssSource: 'VmHWM' | 'sampled';
  /** The highest `process.memoryUsage().rss` sampled every 2 ms (misses peaks between samples). */
  readonly sampledPeakRssBytes: number;
}

// Runs as its own Node process so that its RSS is the rewrite's alone, not the benchmark's.
// Plain JavaScript: the child loads core's built `fs` entry by URL, so it needs no bundler.
const CHILD_SOURCE = `
import { readFile } from 'node:fs/promises';
const [mode, input, output, coreFs] = process.argv.slice(1);
let sampled = process.memoryUsage().rss;
const sample = () => { sampled = Math.max(sampled, process.memoryUsage().rss); };
const timer = setInterval(sample, 2);
try {
  const { transformSafetensorsFile } = await import(coreFs);
  const started = performance.now();
  if (mode === 'rewrite') await transformSafetensorsFile(input, output, (param) => param);
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  sample();
  let status = null;
  try { status = await readFile('/proc/self/status', 'utf8'); } catch {}
  process.stdout.write(JSON.stringify({ seconds, sampledPeakRssBytes: sampled, status }));
} catch (error) {
  clearInterval(timer);
  process.stdout.write(JSON.stringify({ error: String(error instanceof Error ? error.message : error) }));
  process.exitCode = 1;
}
`;

/**
 * Runs a fresh Node process that streams `input` to `output` through
 * `transformSafetensorsFile` with an identity transform (or, as `baseline`, only loads
 * `@whittle/core/fs`), and returns the seconds and peak RSS it measured of itself. Node only.
 *
 * @example
 * ```ts
 * const { peakRssBytes } = await runRewriteChild('rewrite', 'in/model.safetensors', 'out/model.safetensors');
 * ```
 */
export async function runRewriteChild(mode: RewriteChildMode, input = '', output = ''): Promise<RewriteChildFigures> {
  const coreFs = pathToFileURL(createRequire(import.meta.url).resolve('@whittle/core/fs')).href;
  const { code, stdout, stderr } = await runNode(['--input-type=module', '-e', CHILD_SOURCE, '--', mode, input, output, coreFs]);
  let reported: { seconds: number; sampledPeakRssBytes: number; status: string | null; error?: string };
  try {
    reported = JSON.parse(stdout) as typeof reported;
  } catch {
    // The child died before it could report (out of memory, say): its stderr says why.
    throw new Error(`the ${mode} child process exited with status ${code}: ${stderr.trim().split('\n').pop() ?? ''}`);
  }
  if (code !== 0 || reported.error !== undefined) {
    throw new Error(`the ${mode} child process exited with status ${code}: ${reported.error ?? 'no reason given'}`);
  }
  const highWater = reported.status === null ? undefined : peakRssFromStatus(reported.status);
  return {
    seconds: mode === 'rewrite' ? reported.seconds : 0,
    peakRssBytes: highWater ?? reported.sampledPeakRssBytes,
    peakRssSource: highWater === undefined ? 'sampled' : 'VmHWM',
    sampledPeakRssBytes: reported.sampledPeakRssBytes,
  };
}
