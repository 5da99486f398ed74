const core = await import('@whittle/core'); const quantize = await import('@whittle/quantize');
const side = +(process.argv[2] ?? 4096); const kind = process.argv[3] ?? 'int8';
const n = side * side; const data = new Float32Array(n); let s = 1; for (let i = 0; i < n; i++) { s = (s * 1664525 + 1013904223) >>> 0; data[i] = (s / 4294967296 - 0.5) * 0.1; }
const kernel = core.hostTensor('float32', [side, side], data);
const opts = kind === 'int8' ? { bits: 8, granularity: { kind: 'axis', axis: 1 } } : { bits: 4, granularity: { kind: 'group', axis: 0, size: 32 } };
const enc = quantize.quantizeAffine(kernel, opts); const dst = new Float32Array(n);
const times = [];
for (let r = 0; r < +(process.argv[4] ?? 40); r++) { if (globalThis.gc && process.env.GC) gc(); const t = performance.now(); core.decodeToFloat32(enc, dst); times.push(performance.now() - t); }
console.log(times.map(t=>t.toFixed(1)).join(" "));times.sort((a, b) => a - b); console.log(kind, side, 'median', times[times.length >> 1].toFixed(2), 'ms', (n / times[times.length >> 1] / 1e6).toFixed(2), 'G/s');
