import { writeDemoReport } from '../report/write-demo-report.ts';
import type { DemoResult } from './demo-result.ts';

/**
 * Writes the demo's report (report.html and its SVG plots) under `outDirectory` and returns
 * their paths.
 *
 * @example
 * ```ts
 * const files = await writeDemoReportFiles(result, 'whittle-demo');
 * ```
 */
export function writeDemoReportFiles(result: DemoResult, outDirectory: string): Promise<string[]> {
  return writeDemoReport(result, outDirectory);
}
