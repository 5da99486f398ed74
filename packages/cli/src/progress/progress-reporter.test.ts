import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliIo, TerminalStream } from '../cli-io.ts';
import { recordingIo } from '../test-io.ts';
import { bar, createProgressReporter } from './progress-reporter.ts';

/** A fake terminal: records what is written to it, 60 columns wide. */
function fakeTerminal(): TerminalStream & { readonly text: () => string } {
  const chunks: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  return Object.assign(stream, { columns: 60, rows: 20, isTTY: true, text: () => chunks.join('') });
}

/** A clock the test moves by hand. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let time = 0;
  return { now: () => time, advance: (ms) => void (time += ms) };
}

describe('createProgressReporter without a terminal', () => {
  it('writes plain lines to stderr: the first and last of each run of updates, and at most one a second between', () => {
    const io = recordingIo();
    const clock = manualClock();
    const progress = createProgressReporter(io, { prefix: 'compress', now: clock.now });
    for (let done = 1; done <= 10; done++) {
      progress.update(done, 10, `step 1/1 cast: p${done}`);
      clock.advance(300);
    }
    progress.note('cast: 1.00 kB → 500 B in 0.001 s');
    progress.close();
    expect(io.out()).toBe('');
    expect(io.err().split('\n')).toEqual([
      'compress: step 1/1 cast: p1 (1/10)',
      // 300 ms apart: p2–p4 fall inside the second after p1.
      'compress: step 1/1 cast: p5 (5/10)',
      'compress: step 1/1 cast: p9 (9/10)',
      'compress: step 1/1 cast: p10 (10/10)',
      'compress: cast: 1.00 kB → 500 B in 0.001 s',
      '',
    ]);
  });

  it('starts each step with a line even within the second', () => {
    const io = recordingIo();
    const progress = createProgressReporter(io, { prefix: 'compress', now: () => 0 });
    progress.update(1, 3, 'step 1/2 a: x');
    progress.update(2, 3, 'step 1/2 a: y');
    progress.update(1, 5, 'step 2/2 b: x');
    expect(io.err()).toBe('compress: step 1/2 a: x (1/3)\ncompress: step 2/2 b: x (1/5)\n');
  });

  it('prints nothing at all when progress is off (--quiet)', () => {
    const io = recordingIo();
    const quiet: CliIo = { ...io, progress: false, terminal: fakeTerminal() };
    const progress = createProgressReporter(quiet, { prefix: 'compress' });
    progress.update(1, 1, 'x');
    progress.note('done');
    progress.close();
    expect(io.err()).toBe('');
    expect((quiet.terminal as ReturnType<typeof fakeTerminal>).text()).toBe('');
  });
});

describe('createProgressReporter on a terminal', () => {
  it('redraws one bar in place on the terminal, keeps notes, and clears the bar at the end', () => {
    const io = recordingIo();
    const terminal = fakeTerminal();
    const clock = manualClock();
    const progress = createProgressReporter({ ...io, terminal }, { prefix: 'compress', now: clock.now });
    progress.update(1, 4, 'step 1/1 quantize.kmeans: dense/kernel');
    clock.advance(10);
    // Within the redraw interval: skipped.
    progress.update(2, 4, 'step 1/1 quantize.kmeans: skipped/kernel');
    clock.advance(100);
    progress.update(4, 4, 'step 1/1 quantize.kmeans: head/kernel');
    progress.note('quantize.kmeans: 11.0 kB → 1.50 kB in 9.000 s');
    progress.close();
    const text = terminal.text();
    expect(io.err()).toBe('');
    expect(io.out()).toBe('');
    // Cut to the 60 columns, less one.
    const first = 'compress: [######------------------] 1/4 step 1/1 quantize.kmeans: dense/kernel';
    expect(text).toContain(`${first.slice(0, 58)}…\n`);
    expect(text).not.toContain('skipped/kernel');
    const last = 'compress: [########################] 4/4 step 1/1 quantize.kmeans: head/kernel';
    expect(text).toContain(`${last.slice(0, 58)}…\n`);
    const wide = fakeTerminal();
    const widely = createProgressReporter({ ...io, terminal: Object.assign(wide, { columns: 200 }) }, { prefix: 'compress' });
    widely.update(1, 4, 'step 1/1 quantize.kmeans: dense/kernel');
    expect(wide.text()).toContain('compress: [######------------------] 1/4 step 1/1 quantize.kmeans: dense/kernel\n');
    expect(text).toContain('compress: quantize.kmeans: 11.0 kB → 1.50 kB in 9.000 s\n');
    // log-update moves the cursor up and erases lines (ESC [ … ) to redraw in place.
    expect(text).toMatch(/\u001b\[2K/);
    // The last thing written erases the bar: nothing of it stays after the note.
    expect(text.slice(text.lastIndexOf('9.000 s\n') + 8)).not.toContain('[');
  });
});

describe('bar', () => {
  it.each([
    [0, 4, '[------------------------]'],
    [1, 2, '[############------------]'],
    [3, 3, '[########################]'],
    [5, 3, '[########################]'],
    [0, 0, '[########################]'],
  ])('%i of %i is %s', (done, total, expected) => {
    expect(bar(done, total)).toBe(expected);
  });
});
