// Fine-tuning prints why the reward could not score a crystal (a structure the potential refuses, an oracle's error):
// each distinct message once, with the step it first came at, and at most MAX_REWARD_MESSAGES per run, so a failure
// that repeats every step does not drown the log (the stability run once lost three whole batches without a word).
import { describe, expect, it } from 'vitest';
import { rewardMessageReporter } from '../../../electron/engine/rl/finetune.ts';

describe('reward failure messages in the fine-tuning log', () => {
  it('prints each distinct message once, with its first step', () => {
    const lines: string[] = [];
    const report = rewardMessageReporter((line) => lines.push(line));
    report(1, ['candidate 3: cell packed beyond the potential', 'candidate 7: no energy']);
    report(2, ['candidate 3: cell packed beyond the potential']);
    report(3, []);
    report(4, ['oracle exited with code 2']);
    expect(lines).toEqual(['step 1: reward: candidate 3: cell packed beyond the potential', 'step 1: reward: candidate 7: no energy', 'step 4: reward: oracle exited with code 2']);
  });

  it('stops after 50 distinct messages, saying so once', () => {
    const lines: string[] = [];
    const report = rewardMessageReporter((line) => lines.push(line));
    for (let step = 1; step <= 30; step++) report(step, [`candidate ${step}: a`, `candidate ${step}: b`, `candidate ${step}: c`]);
    expect(lines).toHaveLength(51);
    expect(lines[49]).toBe('step 17: reward: candidate 17: b');
    expect(lines[50]).toMatch(/^reward: more than 50 distinct failure messages; no more are printed$/);
  });
});
