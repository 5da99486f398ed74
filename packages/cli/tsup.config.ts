import { packageBuild } from '../../tsup.shared.ts';

export default packageBuild({
  entry: { index: 'src/index.ts', bin: 'src/bin.ts' },
  // Only the library entry has types; `bin` is the executable.
  dts: { entry: { index: 'src/index.ts' } },
  platform: 'node',
});
