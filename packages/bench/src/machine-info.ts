import * as tf from '@tensorflow/tfjs-core';
import { backendInfo, detectRuntime, type BackendInfo, type BackendName, type RuntimeName } from '@whittle/core';

/** A backend as a benchmark report records it. */
export interface BackendStatus {
  readonly name: BackendName;
  /** Whether WASM SIMD is on; undefined for other backends. */
  readonly simd: boolean | undefined;
  /** Whether WASM threads are on; undefined for other backends. */
  readonly threads: boolean | undefined;
}

/** The machine and software a figure was measured on, recorded with every report. */
export interface MachineInfo {
  /** CPU model as the OS reports it (`unknown` where it does not). */
  readonly cpu: string;
  /** Logical cores available to this process. */
  readonly cores: number;
  /** Total memory in bytes; undefined where the runtime does not say. */
  readonly memoryBytes: number | undefined;
  /** Operating system, release and architecture. */
  readonly os: string;
  readonly runtime: RuntimeName;
  readonly runtimeVersion: string | undefined;
  readonly tfjsVersion: string;
  /** The tfjs backends the figures ran on, with their SIMD and threads status. */
  readonly backends: readonly BackendStatus[];
}

interface HostFacts {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryBytes: number | undefined;
  readonly os: string;
}

/**
 * Describes this machine: CPU model, cores, memory, OS, runtime and version, tfjs version, and
 * the backends given (by default the one tfjs is using now, if any) with their SIMD and threads
 * status. Reads `node:os` in Node, Deno and Bun, and `navigator` elsewhere.
 *
 * @example
 * ```ts
 * const info = await machineInfo([await useBackend('wasm')]);
 * console.log(`${info.cpu}, ${info.cores} cores, wasm SIMD ${info.backends[0]?.simd}`);
 * ```
 */
export async function machineInfo(backends?: readonly BackendInfo[]): Promise<MachineInfo> {
  const runtime = detectRuntime();
  const used = backends ?? (tf.engine().backendName ? [await backendInfo()] : []);
  return {
    ...(await hostFacts()),
    runtime: runtime.name,
    runtimeVersion: runtime.version,
    tfjsVersion: tf.version_core,
    backends: used.map(({ name, simd, threads }) => ({ name, simd, threads })),
  };
}

async function hostFacts(): Promise<HostFacts> {
  try {
    const os = await import('node:os');
    const cpus = os.cpus();
    return {
      cpu: cpus[0]?.model.trim() || 'unknown',
      cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
      memoryBytes: os.totalmem(),
      os: `${os.type()} ${os.release()} ${os.arch()}`,
    };
  } catch {
    // Not a server runtime: a browser tells less.
    const navigatorFacts = (globalThis as { navigator?: { hardwareConcurrency?: number; userAgent?: string } })
      .navigator;
    return {
      cpu: 'unknown',
      cores: navigatorFacts?.hardwareConcurrency ?? 1,
      memoryBytes: undefined,
      os: navigatorFacts?.userAgent ?? 'unknown',
    };
  }
}
