import { packageBuild } from '../../tsup.shared.ts';

// `register` is the side-effect entry (`@whittle/onnx/register`); everything else is pure.
export default packageBuild({ entry: { index: 'src/index.ts', register: 'src/register.ts', test: 'src/test-support/index.ts' } });
