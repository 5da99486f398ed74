/**
 * Writes the demo's report: `report.html` and each plot as an SVG file.
 */
import { lstat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileError, openAtomicFile, type AtomicFile } from '@whittle/core/fs';
import type { DemoResult } from '../demo/demo-result.ts';
import { checkDemoResult } from './check-demo-result.ts';
import { demoReportHtml } from './demo-report-html.ts';
import { renderDemoPlots } from './render-demo-plots.ts';

/** The report page's file name. */
export const REPORT_FILE_NAME = 'report.html';

/**
 * Writes `report.html` (self-contained: the plots inlined, no script, nothing fetched) and the
 * plots as SVG files (`accuracy-vs-bytes.svg`, `layers-<model>.svg` per model with deep-compression
 * rows, `latency-vs-bytes.svg`) into `outDir`, creating it if needed, and returns the paths
 * written, `report.html` last.
 *
 * Everything is rendered before anything is written, and every file is written in full beside
 * its destination before any is moved into place (a file that exists is replaced by a rename), so
 * a bad result or a failed write (a full disk) leaves the previous report as it was, and no
 * reader ever sees half a file. `report.html` is moved last: once it is new, so are the plots.
 * A result of the wrong shape, or a folder that cannot be written, is a WhittleError naming the
 * field or the file.
 *
 * @example
 * ```ts
 * const paths = await writeDemoReport(result, 'demo-out');
 * // ['demo-out/accuracy-vs-bytes.svg', 'demo-out/layers-lenet-300-100.svg', …, 'demo-out/report.html']
 * ```
 */
export async function writeDemoReport(result: DemoResult, outDir: string): Promise<string[]> {
  checkDemoResult(result);
  const plots = await renderDemoPlots(result);
  const encoder = new TextEncoder();
  const files = [
    ...plots.map((plot) => ({ path: join(outDir, plot.fileName), bytes: encoder.encode(plot.svg) })),
    { path: join(outDir, REPORT_FILE_NAME), bytes: encoder.encode(demoReportHtml(result, plots)) },
  ];
  try {
    await mkdir(outDir, { recursive: true });
  } catch (error) {
    throw fileError(outDir, 'cannot create the report folder', error);
  }
  // A folder where a file goes cannot be renamed over: find out before anything moves.
  for (const file of files) {
    const existing = await lstat(file.path).catch(() => null);
    if (existing?.isDirectory() === true) throw fileError(file.path, 'is a folder, not a file the report can replace', null);
  }
  const opened: AtomicFile[] = [];
  try {
    for (const file of files) {
      const atomic = await openAtomicFile(file.path, { force: true });
      opened.push(atomic);
      try {
        await atomic.handle.writeFile(file.bytes);
      } catch (error) {
        throw fileError(file.path, 'cannot write the report', error);
      }
    }
  } catch (error) {
    await Promise.all(opened.map((atomic) => atomic.discard()));
    throw error;
  }
  // Only the moves remain: each is a flush and a rename, in order, report.html last.
  for (const [at, atomic] of opened.entries()) {
    try {
      await atomic.commit();
    } catch (error) {
      await Promise.all(opened.slice(at + 1).map((rest) => rest.discard()));
      throw error;
    }
  }
  return files.map((file) => file.path);
}
