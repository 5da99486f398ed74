/**
 * Convolution gradients written out from their definition, for the wasm kernels' tests: no
 * tfjs helper (the kernels use tfjs's own padding arithmetic, so the oracle does its own).
 */
import fc from 'fast-check';

/** A channels-last convolution's geometry, as the tests draw it. */
export interface ConvCase {
  readonly batch: number;
  readonly height: number;
  readonly width: number;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelHeight: number;
  readonly kernelWidth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  /** tfjs's `pad` forms: `valid`, `same`, one number for every side, or explicit [[0,0],[top,bottom],[left,right],[0,0]]. */
  readonly pad: 'valid' | 'same' | number | [[0, 0], [number, number], [number, number], [0, 0]];
}

/** Output size and the padding before the first row and column, as TensorFlow defines them. */
export function geometry(convCase: ConvCase): { outHeight: number; outWidth: number; top: number; left: number } {
  const { height, width, kernelHeight, kernelWidth, strideHeight, strideWidth, pad } = convCase;
  if (pad === 'valid') return { outHeight: Math.ceil((height - kernelHeight + 1) / strideHeight), outWidth: Math.ceil((width - kernelWidth + 1) / strideWidth), top: 0, left: 0 };
  if (pad === 'same') {
    const outHeight = Math.ceil(height / strideHeight);
    const outWidth = Math.ceil(width / strideWidth);
    const padHeight = Math.max(0, (outHeight - 1) * strideHeight + kernelHeight - height);
    const padWidth = Math.max(0, (outWidth - 1) * strideWidth + kernelWidth - width);
    return { outHeight, outWidth, top: Math.floor(padHeight / 2), left: Math.floor(padWidth / 2) };
  }
  const [top, bottom, left, right] = typeof pad === 'number' ? [pad, pad, pad, pad] : [pad[1][0], pad[1][1], pad[2][0], pad[2][1]];
  return {
    outHeight: Math.floor((height + top + bottom - kernelHeight) / strideHeight) + 1,
    outWidth: Math.floor((width + left + right - kernelWidth) / strideWidth) + 1,
    top,
    left,
  };
}

/** Visits every (image, output pixel, tap, in channel, out channel) whose tap lands inside the input. */
function eachTerm(convCase: ConvCase, visit: (inputIndex: number, outputIndex: number, filterIndex: number) => void): void {
  const { batch, height, width, inChannels, outChannels, kernelHeight, kernelWidth, strideHeight, strideWidth } = convCase;
  const { outHeight, outWidth, top, left } = geometry(convCase);
  for (let image = 0; image < batch; image++)
    for (let outRow = 0; outRow < outHeight; outRow++)
      for (let outColumn = 0; outColumn < outWidth; outColumn++)
        for (let tapRow = 0; tapRow < kernelHeight; tapRow++)
          for (let tapColumn = 0; tapColumn < kernelWidth; tapColumn++) {
            const row = outRow * strideHeight - top + tapRow;
            const column = outColumn * strideWidth - left + tapColumn;
            if (row < 0 || row >= height || column < 0 || column >= width) continue;
            for (let inChannel = 0; inChannel < inChannels; inChannel++)
              for (let outChannel = 0; outChannel < outChannels; outChannel++)
                visit(
                  ((image * height + row) * width + column) * inChannels + inChannel,
                  ((image * outHeight + outRow) * outWidth + outColumn) * outChannels + outChannel,
                  ((tapRow * kernelWidth + tapColumn) * inChannels + inChannel) * outChannels + outChannel,
                );
          }
}

/** d(sum(dy · conv(x, filter)))/dx: what `Conv2DBackpropInput` computes. */
export function referenceInputGradient(convCase: ConvCase, dy: Float32Array, filter: Float32Array): Float32Array {
  const gradient = new Float64Array(convCase.batch * convCase.height * convCase.width * convCase.inChannels);
  eachTerm(convCase, (inputIndex, outputIndex, filterIndex) => {
    gradient[inputIndex]! += dy[outputIndex]! * filter[filterIndex]!;
  });
  return Float32Array.from(gradient);
}

/** d(sum(dy · conv(x, filter)))/dfilter: what `Conv2DBackpropFilter` computes. */
export function referenceFilterGradient(convCase: ConvCase, x: Float32Array, dy: Float32Array): Float32Array {
  const gradient = new Float64Array(convCase.kernelHeight * convCase.kernelWidth * convCase.inChannels * convCase.outChannels);
  eachTerm(convCase, (inputIndex, outputIndex, filterIndex) => {
    gradient[filterIndex]! += x[inputIndex]! * dy[outputIndex]!;
  });
  return Float32Array.from(gradient);
}

/**
 * Whether tfjs's own size arithmetic holds for the case: for a numeric `pad` it sizes the output
 * with the filter's height and stride on both axes, so the cpu backend is an oracle only for
 * square filters and strides there.
 */
export function tfjsSizesPadding({ pad, kernelHeight, kernelWidth, strideHeight, strideWidth }: ConvCase): boolean {
  return typeof pad !== 'number' || (kernelHeight === kernelWidth && strideHeight === strideWidth);
}

/** Deterministic values in [-1, 1] for a case's seed. */
export function seededValues(count: number, seed: number): Float32Array {
  return Float32Array.from({ length: count }, (_, index) => Math.sin(seed * 7.1 + index * 1.37));
}

/** Random convolutions: batch, sizes, channels, kernel, strides and every padding form tfjs takes, with a positive output. */
export const convCases: fc.Arbitrary<ConvCase & { seed: number }> = fc
  .record({
    batch: fc.integer({ min: 1, max: 3 }),
    height: fc.integer({ min: 5, max: 11 }),
    width: fc.integer({ min: 5, max: 11 }),
    inChannels: fc.integer({ min: 1, max: 4 }),
    outChannels: fc.integer({ min: 1, max: 4 }),
    kernelHeight: fc.integer({ min: 1, max: 5 }),
    kernelWidth: fc.integer({ min: 1, max: 5 }),
    strideHeight: fc.integer({ min: 1, max: 3 }),
    strideWidth: fc.integer({ min: 1, max: 3 }),
    pad: fc.oneof(
      fc.constantFrom('valid' as const, 'same' as const),
      fc.integer({ min: 0, max: 2 }),
      fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)).map(([top, bottom, left, right]) => [[0, 0], [top, bottom], [left, right], [0, 0]] as ConvCase['pad']),
    ),
    seed: fc.integer({ min: 0, max: 1000 }),
  })
  .filter((convCase) => {
    const { outHeight, outWidth } = geometry(convCase);
    return outHeight > 0 && outWidth > 0;
  });
