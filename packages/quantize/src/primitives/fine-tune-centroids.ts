/**
 * Fine-tuning shared weights (Deep Compression §3.3): every weight sharing a centroid moves with
 * it, so the centroid's gradient is the sum of its weights' gradients.
 */
import {
  WhittleError,
  codebookEncoding,
  describeValue,
  float32ArrayToFloat16,
  isFloatDType,
  shapesEqual,
  toFloat32,
  unpackBits,
  validateEncoding,
  type CodebookEncoding,
  type HostTensor,
} from '@whittle/core';

/** Indices unpacked per chunk, so a huge tensor never holds all its indices as int32 at once. */
const CHUNK = 1 << 16;

/**
 * The gradient of the loss with respect to each centroid: the sum of the gradients of the
 * weights indexed to it. `gradients` is the loss gradient with respect to the decoded weights
 * (any float dtype, the encoding's shape). Feed it to any optimizer.
 *
 * @example
 * ```ts
 * const perCentroid = centroidGradients(shared, await fromTensor(weightGradient)); // Float64Array(16)
 * ```
 */
export function centroidGradients(encoding: CodebookEncoding, gradients: HostTensor): Float64Array {
  checkCodebook(encoding);
  if (!isFloatDType(gradients.dtype) || !shapesEqual(gradients.shape, encoding.shape)) {
    throw new WhittleError(
      'invalid-argument',
      `gradients must be a float tensor of shape [${encoding.shape.join(', ')}], got ${describeValue(gradients.dtype)} [${gradients.shape.join(', ')}]`,
      { field: 'gradients' },
    );
  }
  const values = toFloat32(gradients).data;
  const sums = new Float64Array(encoding.centroids.data.length);
  const { bits } = encoding;
  for (let start = 0; start < values.length; start += CHUNK) {
    const count = Math.min(CHUNK, values.length - start);
    // CHUNK is a multiple of 8, so every chunk starts on a byte boundary.
    const byteStart = (start / 8) * bits;
    const indices = unpackBits(encoding.indices.subarray(byteStart), count, bits);
    for (let offset = 0; offset < count; offset++) {
      const index = indices[offset]!;
      sums[index] = sums[index]! + values[start + offset]!;
    }
  }
  return sums;
}

/**
 * One step of gradient descent on the centroids of a codebook: each centroid moves by
 * −learningRate · (the sum of its weights' gradients); indices are kept. Returns a new encoding
 * (the indices buffer is shared, the input untouched). Use it inside a training loop, after
 * computing the loss gradient with respect to the decoded weights:
 *
 * @example
 * ```ts
 * let shared = kmeansQuantize(kernel, { bits: 4 });
 * for (const batch of batches) {
 *   const weightGradient = lossGradient(decode(shared), batch); // HostTensor, the kernel's shape
 *   shared = fineTuneCentroids(shared, weightGradient, 1e-3);
 * }
 * ```
 */
export function fineTuneCentroids(
  encoding: CodebookEncoding,
  gradients: HostTensor,
  learningRate: number,
): CodebookEncoding {
  if (!Number.isFinite(learningRate)) {
    throw new WhittleError('invalid-argument', `learningRate must be a finite number, got ${describeValue(learningRate)}`, {
      field: 'learningRate',
    });
  }
  const sums = centroidGradients(encoding, gradients);
  const current = toFloat32(encoding.centroids).data;
  const updated = new Float32Array(current.length);
  for (let index = 0; index < current.length; index++) updated[index] = current[index]! - learningRate * sums[index]!;
  const index = updated.findIndex((value) => !Number.isFinite(value));
  if (index >= 0) {
    throw new WhittleError('invalid-argument', `centroid ${index} became ${updated[index]}; lower the learning rate`, {
      field: 'learningRate',
    });
  }
  const shape = [...encoding.centroids.shape];
  return codebookEncoding({
    shape: [...encoding.shape],
    bits: encoding.bits,
    indices: encoding.indices,
    centroids:
      encoding.centroids.dtype === 'float16'
        ? { dtype: 'float16', shape, data: float32ArrayToFloat16(updated) }
        : { dtype: 'float32', shape, data: updated },
  });
}

function checkCodebook(encoding: CodebookEncoding): void {
  const kind = (encoding as { kind?: unknown } | null)?.kind;
  if (kind !== 'codebook') {
    throw new WhittleError('invalid-encoding', `expected a codebook encoding, got kind ${describeValue(kind)}`, {
      field: 'kind',
    });
  }
  validateEncoding(encoding);
}
