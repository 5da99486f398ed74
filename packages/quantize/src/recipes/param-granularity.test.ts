import { describe, expect, it } from 'vitest';
import { paramGranularity } from './param-granularity.ts';

describe('paramGranularity', () => {
  it('reads per-channel axes off roles', () => {
    expect(paramGranularity({ kind: 'axis' }, 'dense-kernel', [768, 3072])).toEqual({ kind: 'axis', axis: 1 });
    expect(paramGranularity({ kind: 'axis' }, 'linear-weight', [3072, 768])).toEqual({ kind: 'axis', axis: 0 });
    expect(paramGranularity({ kind: 'axis' }, 'conv2d-kernel', [3, 3, 4, 8])).toEqual({ kind: 'axis', axis: 3 });
    expect(paramGranularity({ kind: 'axis' }, 'conv2d-transpose-kernel', [3, 3, 8, 4])).toEqual({ kind: 'axis', axis: 2 });
    expect(paramGranularity({ kind: 'axis' }, 'depthwise-kernel', [3, 3, 8, 1])).toEqual({ kind: 'axis', axis: 2 });
    expect(paramGranularity({ kind: 'axis' }, 'embedding', [100, 16])).toEqual({ kind: 'axis', axis: 0 });
  });

  it('groups along the input axis, or the last long axis when the role has none', () => {
    expect(paramGranularity({ kind: 'group', size: 32 }, 'dense-kernel', [768, 3072])).toEqual({ kind: 'group', axis: 0, size: 32 });
    expect(paramGranularity({ kind: 'group', size: 32 }, 'linear-weight', [3072, 768])).toEqual({ kind: 'group', axis: 1, size: 32 });
    expect(paramGranularity({ kind: 'group', size: 64 }, 'conv2d-kernel', [3, 3, 64, 8])).toEqual({ kind: 'group', axis: 2, size: 64 });
    expect(paramGranularity({ kind: 'group', size: 32 }, 'embedding', [100, 16])).toEqual({ kind: 'group', axis: 1, size: 32 });
    expect(paramGranularity({ kind: 'group', size: 32 }, 'depthwise-kernel', [3, 3, 8, 1])).toEqual({ kind: 'group', axis: 2, size: 32 });
    expect(paramGranularity({ kind: 'group', size: 32 }, 'other', [5])).toEqual({ kind: 'group', axis: 0, size: 32 });
  });

  it('falls back sensibly where the role gives no axis', () => {
    expect(paramGranularity({ kind: 'axis' }, 'other', [4, 6])).toEqual({ kind: 'axis', axis: 1 });
    expect(paramGranularity({ kind: 'axis' }, 'bias', [32])).toEqual({ kind: 'tensor' });
    expect(paramGranularity({ kind: 'axis' }, 'other', [])).toEqual({ kind: 'tensor' });
    expect(paramGranularity({ kind: 'group', size: 8 }, 'other', [])).toEqual({ kind: 'tensor' });
    expect(paramGranularity({ kind: 'tensor' }, 'dense-kernel', [2, 2])).toEqual({ kind: 'tensor' });
  });

  it('honours an explicit axis, counting from the end, and rejects one the param lacks', () => {
    expect(paramGranularity({ kind: 'axis', axis: -1 }, 'linear-weight', [4, 6])).toEqual({ kind: 'axis', axis: 1 });
    expect(paramGranularity({ kind: 'group', size: 2, axis: 0 }, 'linear-weight', [4, 6])).toEqual({ kind: 'group', axis: 0, size: 2 });
    expect(() => paramGranularity({ kind: 'axis', axis: 2 }, 'dense-kernel', [4, 6])).toThrow(
      expect.objectContaining({ code: 'invalid-recipe', field: 'granularity.axis' }),
    );
  });
});
