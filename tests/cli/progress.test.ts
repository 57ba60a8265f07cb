/**
 * The progress bar on a non-terminal stream (CI logs, pipes): each state is printed once, so the last line does
 * not appear twice when the loop's final update is followed by finish().
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ProgressBar } from '../../electron/cli/progress.ts';

function capture(): { stream: NodeJS.WriteStream; lines: () => string[] } {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream: sink as unknown as NodeJS.WriteStream, lines: () => text.split('\n').filter((l) => l.length > 0) };
}

describe('ProgressBar on a plain stream', () => {
  it('prints the final count once when finish() follows the last update', () => {
    const out = capture();
    const bar = new ProgressBar({ total: 3, label: 'generate', unit: 'crystal', stream: out.stream, plainIntervalMs: 60_000 });
    bar.update(1);
    bar.update(2);
    bar.update(3);
    bar.finish();
    const lines = out.lines();
    expect(lines.filter((l) => l.includes(' 3/3 '))).toHaveLength(1);
  });

  it('draws again at finish() when the status text changed', () => {
    const out = capture();
    const bar = new ProgressBar({ total: 2, label: 'train', stream: out.stream, plainIntervalMs: 60_000 });
    bar.update(2, 'loss 1.0');
    bar.finish('loss 0.5');
    const lines = out.lines();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('loss 0.5');
  });

  it('draws at finish() when nothing was drawn yet', () => {
    const out = capture();
    const bar = new ProgressBar({ total: 0, label: 'empty', stream: out.stream });
    bar.finish();
    expect(out.lines()).toHaveLength(1);
  });
});
