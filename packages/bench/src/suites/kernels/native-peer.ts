import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The block formats the native peer writes. */
export type BlockFormat = 'q4_0' | 'q8_0';

/** The native peer, built, or why it could not be. */
export type NativePeer =
  | { readonly binary: string; readonly compiler: string }
  | { readonly binary?: undefined; readonly reason: string };

const SOURCE = fileURLToPath(new URL('./block-quantize.c', import.meta.url));

/**
 * Flags tried in order: the CPU's own instruction set first, then any. As llama.cpp builds its
 * quantizer: optimised for this CPU, and with the compiler's default of fusing a multiply and an
 * add where the CPU can (faster; a q4_0 code then comes from one rounding instead of two).
 */
const FLAG_SETS = [
  ['-O3', '-march=native'],
  ['-O3'],
] as const;

/**
 * Compiles `block-quantize.c` (the q4_0 / q8_0 reference definitions in plain C) with `$CC` or
 * `cc` into a fresh temporary folder. Returns the binary and the command line that built it, or
 * why there is none (no C compiler here): the suite then reports the JS rows without that peer.
 *
 * @example
 * ```ts
 * const peer = buildNativePeer();
 * if (peer.binary !== undefined) measureNativePeer(peer.binary, 'q4_0', weightsFile, 1, 7);
 * ```
 */
export function buildNativePeer(): NativePeer {
  const compiler = process.env.CC ?? 'cc';
  const binary = join(mkdtempSync(join(tmpdir(), 'whittle-block-quantize-')), 'block-quantize');
  let last = '';
  for (const flags of FLAG_SETS) {
    const args = [...flags, '-o', binary, SOURCE, '-lm'];
    const result = spawnSync(compiler, args, { encoding: 'utf8' });
    if (result.status === 0) return { binary, compiler: `${compiler} ${flags.join(' ')}` };
    last = failureReason(result);
  }
  return { reason: `no native q4_0 / q8_0 peer: ${compiler} could not build ${SOURCE} (${last})` };
}

/**
 * Runs the native peer on a file of float32 weights in this machine's byte order (a whole number of 32-weight
 * blocks): `warmup` untimed and `runs` timed quantizations into one output buffer, and returns the
 * seconds of each timed run as the program measured them (its own monotonic clock, so starting
 * the process is not counted). With `blocksOut`, the program also writes the blocks there.
 *
 * @example
 * ```ts
 * const seconds = measureNativePeer(binary, 'q4_0', '/tmp/weights.f32', 1, 7);
 * ```
 */
export function measureNativePeer(binary: string, format: BlockFormat, weightsFile: string, warmup: number, runs: number, blocksOut?: string): number[] {
  const args = [format, weightsFile, String(warmup), String(runs), ...(blocksOut === undefined ? [] : [blocksOut])];
  const result = spawnSync(binary, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (result.status !== 0) {
    throw new Error(`the native ${format} peer failed: ${failureReason(result)}`);
  }
  const seconds = (JSON.parse(result.stdout) as { seconds?: unknown }).seconds;
  if (!Array.isArray(seconds) || seconds.length !== runs || !seconds.every((value) => typeof value === 'number' && value > 0)) {
    throw new Error(`the native ${format} peer printed no timings: ${result.stdout.trim().slice(0, 200)}`);
  }
  return seconds as number[];
}

/** Why a process failed: the error starting it, else the last line it wrote to stderr, else its exit status. */
function failureReason(result: SpawnSyncReturns<string>): string {
  return result.error?.message ?? ((result.stderr ?? '').trim().split('\n').pop() || `exit status ${result.status}`);
}
