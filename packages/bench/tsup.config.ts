import { copyFile } from 'node:fs/promises';
import { packageBuild } from '../../tsup.shared.ts';

// The kernels suite runs each case in a fresh process from this plain module, found next to
// the built code as it is next to the source.
export default packageBuild({
  onSuccess: async () => {
    await copyFile('src/suites/kernels/kernel-child.mjs', 'dist/kernel-child.mjs');
  },
});
