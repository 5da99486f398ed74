import type { DemoResult } from './demo-result.ts';

/**
 * Writes the demo's report files (report.html and its plots) under `outDirectory` and returns
 * their paths. The report writer lives in its own module; until it is part of the CLI this
 * writes nothing and returns no paths.
 *
 * @example
 * ```ts
 * const files = await writeDemoReportFiles(result, 'whittle-demo');
 * ```
 */
export async function writeDemoReportFiles(result: DemoResult, outDirectory: string): Promise<string[]> {
  void result;
  void outDirectory;
  return [];
}
