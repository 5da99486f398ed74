#!/usr/bin/env node
/**
 * The public surface of a package, one report per entry point (`api/<entry>.api.md`, from the
 * built `.d.ts` of each subpath in package.json "exports"), written by API Extractor. Run in a
 * package folder: with `--update` it rewrites the reports; without, it fails when the surface
 * differs from the reports checked in, so every change to it is deliberate.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const update = process.argv.includes('--update');
const packageFolder = process.cwd();
const packageJsonPath = join(packageFolder, 'package.json');
const packageJson = JSON.parse(readFileSync(packageJsonPath, 'utf8'));
const reportFolder = join(packageFolder, 'api');
const scratch = mkdtempSync(join(tmpdir(), 'api-report-'));
mkdirSync(reportFolder, { recursive: true });

let failed = false;
try {
  for (const [subpath, target] of Object.entries(packageJson.exports ?? {})) {
    const types = typeof target === 'object' && target !== null ? target.types : undefined;
    if (typeof types !== 'string') continue;
    const entry = subpath === '.' ? 'index' : subpath.slice(2).replaceAll('/', '-');
    const declarations = resolve(packageFolder, types);
    if (!existsSync(declarations)) {
      console.error(`${packageJson.name}: ${types} is missing; build the package first`);
      failed = true;
      continue;
    }
    const config = ExtractorConfig.prepare({
      configObject: {
        projectFolder: packageFolder,
        mainEntryPointFilePath: declarations,
        compiler: {
          overrideTsconfig: {
            compilerOptions: {
              strict: true,
              skipLibCheck: true,
              module: 'nodenext',
              moduleResolution: 'nodenext',
              target: 'es2022',
              lib: ['es2023', 'dom'],
              types: ['node'],
            },
            files: [declarations],
          },
        },
        apiReport: {
          enabled: true,
          reportFolder,
          reportTempFolder: scratch,
          reportFileName: `${entry}.api.md`,
        },
        docModel: { enabled: false },
        dtsRollup: { enabled: false },
        tsdocMetadata: { enabled: false },
        messages: {
          compilerMessageReporting: { default: { logLevel: 'warning' } },
          extractorMessageReporting: { default: { logLevel: 'none' } },
          tsdocMessageReporting: { default: { logLevel: 'none' } },
        },
      },
      configObjectFullPath: undefined,
      packageJsonFullPath: packageJsonPath,
    });
    const result = Extractor.invoke(config, { localBuild: update, showVerboseMessages: false, messageCallback: quiet });
    if (!result.succeeded || (!update && result.apiReportChanged)) {
      console.error(
        `${packageJson.name}${subpath === '.' ? '' : subpath.slice(1)}: the public API differs from api/${entry}.api.md; ` +
          'if the change is meant, run `npm run api:update` and commit the report',
      );
      failed = true;
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;

/** API Extractor's progress lines are noise here; its warnings and errors are not. */
function quiet(message) {
  const progress = message.logLevel === 'info' || message.logLevel === 'verbose' || message.logLevel === 'none';
  // Said in this script's own words below, naming the command that updates the report.
  const reportNotCopied = message.messageId === 'console-api-report-not-copied' || message.messageId === 'console-api-report-created';
  if (progress || reportNotCopied) message.handled = true;
}
