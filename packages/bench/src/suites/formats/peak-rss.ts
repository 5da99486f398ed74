/**
 * The peak resident set size a Linux `/proc/<pid>/status` reports (`VmHWM`, the RSS high-water
 * mark), in bytes; undefined when the text has none (not Linux, or a kernel thread).
 *
 * @example
 * ```ts
 * peakRssFromStatus('VmPeak:\t  812 kB\nVmHWM:\t   51200 kB\n'); // 52428800
 * ```
 */
export function peakRssFromStatus(status: string): number | undefined {
  const match = /^VmHWM:\s+(\d+)\s+kB\s*$/m.exec(status);
  return match === null ? undefined : Number(match[1]) * 1024;
}
