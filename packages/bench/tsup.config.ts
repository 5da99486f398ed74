import { copyFile } from 'node:fs/promises';
import { packageBuild } from '../../tsup.shared.ts';

// The kernels suite runs each case in a fresh process from this plain module, and builds its
// native peer from this C source: both found next to the built code as they are next to the source.
export default packageBuild({
  onSuccess: async () => {
    await copyFile('src/suites/kernels/kernel-child.mjs', 'dist/kernel-child.mjs');
    await copyFile('src/suites/kernels/block-quantize.c', 'dist/block-quantize.c');
  },
});
