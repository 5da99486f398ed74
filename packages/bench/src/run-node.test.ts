import { describe, expect, it } from 'vitest';
import { runNode } from './run-node.ts';

describe('runNode', () => {
  it("returns the child's exit status and both streams", async () => {
    const run = await runNode(['-e', "process.stdout.write('out'); process.stderr.write('err'); process.exit(3)"]);
    expect(run).toEqual({ code: 3, stdout: 'out', stderr: 'err' });
  });

  it('gives no stdin: a child reading it sees its end at once', async () => {
    const run = await runNode(['-e', "let n = 0; process.stdin.on('data', (c) => (n += c.length)); process.stdin.on('end', () => console.log(n));"]);
    expect(run).toMatchObject({ code: 0, stdout: '0\n' });
  });
});
