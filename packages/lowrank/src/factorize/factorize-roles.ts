/** The params a `lowrank.svd` step factorizes when its filter names no roles. */
import type { ParamRole } from '@whittle/core';

/**
 * Dense kernels, PyTorch-style linear weights, Conv2D kernels and embeddings: the matrices
 * whose factorization is common practice. Depthwise and pointwise kernels are already thin.
 */
export const FACTORIZE_ROLES: readonly ParamRole[] = ['dense-kernel', 'linear-weight', 'conv2d-kernel', 'embedding'];
