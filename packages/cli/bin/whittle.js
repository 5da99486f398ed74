#!/usr/bin/env node
// The `whittle` executable. npm links a package's bin when it installs the package, and in this
// repository that is before `dist/` is built: this committed file is what gets linked, so the
// command exists after `npm install` and works once `npm run build` has made `dist/bin.js`.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/bin.js', import.meta.url);
if (existsSync(entry)) {
  await import(entry.href);
} else {
  process.stderr.write('whittle: the command is not built yet: run `npm run build` at the repository root\n');
  process.exitCode = 1;
}
