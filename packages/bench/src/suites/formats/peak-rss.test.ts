import { expect, test } from 'vitest';
import { peakRssFromStatus } from './peak-rss.ts';

test('reads VmHWM in bytes from /proc status text', () => {
  const status = 'Name:\tnode\nVmPeak:\t 1187764 kB\nVmHWM:\t   51200 kB\nVmRSS:\t   40000 kB\n';
  expect(peakRssFromStatus(status)).toBe(51200 * 1024);
});

test('undefined when the status has no VmHWM line', () => {
  expect(peakRssFromStatus('Name:\tkthreadd\n')).toBeUndefined();
  expect(peakRssFromStatus('')).toBeUndefined();
});
