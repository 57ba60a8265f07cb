// Job progress → MCP progress notifications: the protocol requires `progress` to increase with every notification,
// while a job's `done` restarts at each stage (csp: sampling 0…n, then merging 0…k, then single points 0…m).
import { describe, expect, it } from 'vitest';
import { MonotonicProgress, type ProgressNotice } from '../../electron/mcp/progress.ts';

function recorder(minIntervalMs = 0) {
  const sent: ProgressNotice[] = [];
  let clock = 0;
  const progress = new MonotonicProgress((notice) => sent.push(notice), minIntervalMs, () => clock);
  return { sent, progress, advance: (ms: number) => (clock += ms) };
}

describe('MonotonicProgress', () => {
  it('passes a single stage through as done of total (the first report even at 0), dropping reports that do not advance', () => {
    const { sent, progress } = recorder();
    progress.report({ done: 0, total: 3, message: 'starting' });
    progress.report({ done: 1, total: 3, message: '1 of 3' });
    progress.report({ done: 1, total: 3, message: '1 of 3 again' });
    progress.report({ done: 3, total: 3 });
    expect(sent).toEqual([{ progress: 0, total: 3, message: 'starting' }, { progress: 1, total: 3, message: '1 of 3' }, { progress: 3, total: 3 }]);
  });

  it('continues from the last value when a new stage starts its count again', () => {
    const { sent, progress } = recorder();
    for (let done = 1; done <= 4; done++) progress.report({ done, total: 4, message: 'sampling' });
    progress.report({ done: 0, total: 2, message: 'merging' });
    progress.report({ done: 1, total: 2, message: 'merging' });
    progress.report({ done: 2, total: 2, message: 'merging' });
    progress.report({ done: 1, total: 3, message: 'single points' });
    const values = sent.map((n) => n.progress);
    expect(values).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // Within a stage the fraction is that stage's: 1 of 2 merged = (4 + 1) of (4 + 2).
    expect(sent[4]).toEqual({ progress: 5, total: 6, message: 'merging' });
    expect(sent[6]).toEqual({ progress: 7, total: 9, message: 'single points' });
  });

  it('sends at most one notice per interval and the held-back one on flush', () => {
    const { sent, progress, advance } = recorder(250);
    progress.report({ done: 1, total: 100 });
    advance(10);
    progress.report({ done: 2, total: 100 });
    progress.report({ done: 3, total: 100 });
    expect(sent.map((n) => n.progress)).toEqual([1]);
    advance(300);
    progress.report({ done: 4, total: 100 });
    expect(sent.map((n) => n.progress)).toEqual([1, 4]);
    advance(10);
    progress.report({ done: 5, total: 100 });
    progress.flush();
    progress.flush();
    expect(sent.map((n) => n.progress)).toEqual([1, 4, 5]);
  });
});
