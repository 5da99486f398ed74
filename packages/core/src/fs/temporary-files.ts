/**
 * The hidden temporary files whittle is writing, removed when the process is stopped by a
 * catchable signal (Ctrl-C, `kill`), so an interrupted write leaves no 100 MB file behind.
 * The signal handlers exist only while a temporary does; after cleaning up they hand the signal
 * back to the process's default action, so it still ends with the conventional status.
 * Internal to `@whittle/core/fs`.
 */
import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

const live = new Set<string>();
let listening = false;

/**
 * A fresh temporary name in the directory of `path`: short and of fixed length (29 bytes),
 * whatever the final name, so it fits wherever the final name fits.
 *
 * @example
 * ```ts
 * temporaryPath('out/model.safetensors'); // 'out/.whittle-3f9c0a1b2c3d4e5f.tmp'
 * ```
 */
export function temporaryPath(path: string): string {
  return join(dirname(path), `.whittle-${randomBytes(8).toString('hex')}.tmp`);
}

/**
 * Registers a temporary file to remove if a catchable signal stops the process before
 * {@link releaseTemporary} is called for it.
 *
 * @example
 * ```ts
 * trackTemporary(temporary); try { … } finally { releaseTemporary(temporary); }
 * ```
 */
export function trackTemporary(path: string): void {
  live.add(path);
  if (!listening && typeof process !== 'undefined' && typeof process.on === 'function') {
    listening = true;
    for (const signal of SIGNALS) {
      try {
        process.on(signal, onSignal);
      } catch {
        // A runtime that cannot listen for this signal (Deno on Windows) cannot be stopped by it either.
      }
    }
  }
}

/**
 * Forgets a temporary file (renamed into place or removed); the signal handlers go with the last.
 *
 * @example
 * ```ts
 * releaseTemporary(temporary);
 * ```
 */
export function releaseTemporary(path: string): void {
  live.delete(path);
  if (live.size === 0) stopListening();
}

/**
 * How many temporaries are live (written, not yet placed or removed): tests check it drops to 0.
 *
 * @example
 * ```ts
 * liveTemporaryCount(); // 0 when no write is under way
 * ```
 */
export function liveTemporaryCount(): number {
  return live.size;
}

function stopListening(): void {
  if (!listening) return;
  listening = false;
  for (const signal of SIGNALS) {
    try {
      process.off(signal, onSignal);
    } catch {
      // Never registered: see trackTemporary.
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  for (const path of live) {
    try {
      unlinkSync(path);
    } catch {
      // Already gone, or never created: nothing to clean.
    }
  }
  live.clear();
  stopListening();
  // With no other listener the signal's default action ends the process with the usual status
  // (130 for SIGINT); a program that listens itself has chosen what a signal does.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}
