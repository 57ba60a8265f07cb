/**
 * Command oracle: a node script speaking JSON lines (fixtures/oracle.mjs), well-behaved and misbehaving — every
 * failure must come back as counts and messages, never as an exception or a hang.
 */
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { CommandOracle, parseAnswerLine } from '../../electron/rewards/oracles/command.ts';
import { evaluateReward } from '../../electron/rewards/evaluate.ts';
import { parseRewardSpec, type CommandOracleSpec } from '../../shared/api/reward-spec.ts';
import type { CandidateInput } from '../../electron/rewards/types.ts';
import { cscl, ironBcc, mgo, nacl, rutile } from './candidates.ts';

const SCRIPT = join(import.meta.dirname, 'fixtures/oracle.mjs');
const spec = (mode: string, extra: Partial<CommandOracleSpec> = {}): CommandOracleSpec => ({
  type: 'command',
  command: process.execPath,
  args: [SCRIPT, mode],
  timeoutSeconds: 10,
  ...extra,
});
/** What the fixture computes: numSites / 2 + spaceGroup / 1000. */
const expected = (c: CandidateInput) => c.structure.numSites / 2 + c.description.spaceGroup / 1000;

let batch: CandidateInput[];
const open: CommandOracle[] = [];
function oracle(s: CommandOracleSpec): CommandOracle {
  const o = new CommandOracle(s);
  open.push(o);
  return o;
}
beforeAll(async () => {
  await initSymmetry();
  batch = [nacl(), cscl(), rutile(), mgo(), ironBcc()];
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

describe('command oracle', () => {
  it('scores every candidate in order across bounded batches', async () => {
    const scores = await oracle(spec('echo', { batchSize: 2 })).score(batch);
    expect(Array.from(scores.values)).toEqual(batch.map(expected));
    expect(scores).toMatchObject({ errors: 0, timeouts: 0, nonFinite: 0, messages: [] });
  });

  it('keeps one process, times out a hung batch, restarts and goes on', async () => {
    // 'slow' answers only the first two requests of each process. The limit leaves room for starting Node on a
    // busy machine (the first batch includes the process start-up).
    const o = oracle(spec('slow', { batchSize: 2, timeoutSeconds: 3 }));
    const first = await o.score(batch.slice(0, 2));
    expect(first.timeouts).toBe(0);
    const second = await o.score(batch.slice(2, 4)); // same process: hangs
    expect(second.timeouts).toBe(2);
    expect(Array.from(second.values).every(Number.isNaN)).toBe(true);
    expect(second.messages[0]).toMatch(/no answer within 3 s for 2 of 2 candidates; process restarted/);
    const third = await o.score(batch.slice(2, 4)); // new process answers again
    expect(Array.from(third.values)).toEqual(batch.slice(2, 4).map(expected));
  });

  it('counts the rest of a batch as errors when the process crashes, with its stderr, and restarts', async () => {
    const o = oracle(spec('crash'));
    const scores = await o.score(batch);
    expect(Array.from(scores.values.slice(0, 2))).toEqual(batch.slice(0, 2).map(expected));
    expect(scores.errors).toBe(3);
    expect(scores.messages[0]).toMatch(/exited with code 3 after 2 of 5 answers; stderr: segmentation fault \(simulated\)/);
    const again = await o.score(batch.slice(0, 2));
    expect(again.errors).toBe(0);
  });

  it('counts NaN answers as non-finite and garbage, error answers and wrong ids as errors', async () => {
    const nan = await oracle(spec('nan')).score(batch);
    expect(nan.nonFinite).toBe(2); // ids 1 and 3
    expect(nan.values[0]).toBe(expected(batch[0]!));
    expect(nan.values[1]).toBeNaN();

    const garbage = await oracle(spec('garbage')).score(batch);
    expect(garbage.errors).toBe(2); // ids 0 and 3
    expect(garbage.messages[0]).toMatch(/answer is not JSON: oops/);
    expect(garbage.values[1]).toBe(expected(batch[1]!));

    const errors = await oracle(spec('errors')).score(batch);
    expect(errors.errors).toBe(2); // NaCl and CsCl
    expect(errors.messages[0]).toMatch(/oracle error: no chlorides/);
    expect(errors.values[2]).toBe(expected(batch[2]!));

    const wrongId = await oracle(spec('wrongid')).score(batch.slice(0, 3));
    expect(wrongId.errors).toBe(1);
    expect(wrongId.messages[0]).toMatch(/answer carries id 99 where 1 was expected/);
  });

  it('gives up restarting a command that dies at start, and reports a missing command', async () => {
    const o = oracle(spec('dead', { batchSize: 1 }));
    const scores = await o.score(batch);
    expect(scores.errors).toBe(5);
    expect(scores.messages.join('\n')).toMatch(/exited with code 2 after 0 of 1 answers; stderr: cannot load model weights/);
    expect(scores.messages.join('\n')).toMatch(/not restarted after 3 batches in a row/);

    const missing = await oracle({ type: 'command', command: 'cfstudio-no-such-oracle-command', batchSize: 8 }).score(batch);
    expect(missing.errors).toBe(5);
    expect(missing.messages[0]).toMatch(/cannot start \(ENOENT: command not found\)/);
  });

  it('reads the answer forms the protocol allows', () => {
    expect(parseAnswerLine('1.5', 0)).toEqual({ kind: 'value', value: 1.5 });
    expect(parseAnswerLine('{"reward": -2, "id": 4}', 4)).toEqual({ kind: 'value', value: -2 });
    expect(parseAnswerLine('{"reward": Infinity}', 0)).toEqual({ kind: 'non-finite' });
    expect(parseAnswerLine('-inf', 0)).toEqual({ kind: 'non-finite' });
    expect(parseAnswerLine('null', 0).kind).toBe('error');
    expect(parseAnswerLine('{"value": 1}', 0)).toMatchObject({ kind: 'error', message: expect.stringMatching(/no "reward"/) });
    expect(parseAnswerLine('{"reward": "high"}', 0)).toMatchObject({ kind: 'error' });
  });
});

describe('command oracle in a reward spec', () => {
  it('turns oracle failures into failureReward and counts them at the term', async () => {
    const rewardSpec = parseRewardSpec({
      version: 1,
      reward: { kind: 'oracle', name: 'external', oracle: spec('nan') },
      failureReward: -3,
    });
    const result = await evaluateReward(rewardSpec, batch);
    expect(Array.from(result.reward)).toEqual([expected(batch[0]!), -3, expected(batch[2]!), -3, expected(batch[4]!)]);
    expect(result.failures.unscored).toBe(2);
    expect(result.failures.terms).toEqual({ external: { nonFinite: 2, errors: 0, timeouts: 0 } });
  });
});
