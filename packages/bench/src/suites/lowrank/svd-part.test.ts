import { useBackend } from '@whittle/core';
import { expect, test } from 'vitest';
import type { ResultRow } from '../../result-row.ts';
import { svdAccuracy, svdPart } from './svd-part.ts';

test('svdAccuracy measures orthonormality, reconstruction and residual of hand-made factors', () => {
  // A = [[3, 0], [0, 2]] with exact factors, then with a wrong σ and a skewed U.
  const a = [3, 0, 0, 2];
  const exact = svdAccuracy(a, 2, 2, { count: 2, u: [1, 0, 0, 1], singularValues: [3, 2], v: [1, 0, 0, 1] });
  expect(exact).toEqual({ orthonormality: 0, reconstruction: 0, residual: 0 });
  const wrongSigma = svdAccuracy(a, 2, 2, { count: 2, u: [1, 0, 0, 1], singularValues: [3, 1], v: [1, 0, 0, 1] });
  expect(wrongSigma.reconstruction).toBeCloseTo(1 / Math.sqrt(13), 12);
  expect(wrongSigma.residual).toBeCloseTo(1 / 3, 12);
  expect(wrongSigma.orthonormality).toBe(0);
  const skewed = svdAccuracy(a, 2, 2, { count: 2, u: [1, 0.5, 0, 1], singularValues: [3, 2], v: [1, 0, 0, 1] });
  // UᵀU = [[1, 0.5], [0.5, 1.25]].
  expect(skewed.orthonormality).toBeCloseTo(0.5, 12);
  // UΣVᵀ = [[3, 1], [0, 2]]: one entry off by 1.
  expect(skewed.reconstruction).toBeCloseTo(1 / Math.sqrt(13), 12);
});

// Quick mode (128², 256×128 and a 128² decaying spectrum) takes seconds: run it whole. Times are
// not asserted, only that every figure is there, finite and where plain maths puts it.
test('svd --quick: times against ml-matrix and accuracy rows for every method', async () => {
  const backend = await useBackend('wasm');
  const messages: string[] = [];
  const rows = await svdPart({ quick: true, backend: backend.name, progress: (message) => messages.push(message) });
  expect(messages.length).toBeGreaterThan(0);
  for (const row of rows) {
    expect(row.suite).toBe('lowrank');
    expect(Number.isFinite(row.value)).toBe(true);
    if (row.peer !== undefined) {
      expect(row.peer.name).toBe('ml-matrix SingularValueDecomposition');
      expect(Number.isFinite(row.peer.value)).toBe(true);
    }
  }
  const find = (name: string, size: string, metric: string): ResultRow => {
    const found = rows.filter((row) => row.case === name && row.size === size && row.metric.startsWith(metric));
    expect(found).toHaveLength(1);
    return found[0]!;
  };
  for (const size of ['128x128', '256x128']) {
    for (const name of ['svd exact', 'svd randomized rank 64']) {
      const time = find(name, size, 'time');
      expect(time.unit).toBe('s');
      expect(time.value).toBeGreaterThan(0);
      expect(time.peer!.value).toBeGreaterThan(0);
    }
    expect(find('svd randomized rank 64', size, 'time').backend).toBe(backend.name);
    // Both exact methods are accurate to rounding on a Gaussian matrix; the peer's figures are
    // computed, not copied from whittle's.
    for (const metric of ['orthonormality', 'reconstruction', 'residual']) {
      const row = find('svd exact', size, metric);
      expect(row.value).toBeLessThan(1e-10);
      expect(row.peer!.value).toBeLessThan(1e-10);
      expect(row.peer!.value).not.toBe(row.value);
    }
  }
  const decaying = '128x128 decaying σᵢ = 0.95^i';
  expect(find('svd reference spectrum', decaying, 'orthonormality').value).toBeLessThan(1e-12);
  const exactError = find('svd exact', decaying, 'max |σ − σref|');
  expect(exactError.value).toBeLessThan(1e-12);
  expect(exactError.peer!.value).toBeLessThan(1e-10);
  expect(find('svd randomized rank 64', decaying, 'max |σ − σref|').value).toBeLessThan(1e-3);
  expect(find('svd randomized rank 64', decaying, 'orthonormality').value).toBeLessThan(1e-4);
  // Eckart–Young: no rank-64 factorization beats the discarded spectrum; q = 2 comes within 1%.
  const reconstruction = find('svd randomized rank 64', decaying, 'reconstruction');
  const optimal = reconstruction.bound!;
  expect(optimal).toBeCloseTo(Math.sqrt((0.95 ** 128 - 0.95 ** 256) / (1 - 0.95 ** 256)), 10);
  expect(reconstruction.value).toBeGreaterThanOrEqual(optimal * (1 - 1e-6));
  expect(reconstruction.value).toBeLessThan(optimal * 1.01);
}, 180_000);
