// A long command line must not crash the CLI. onnxruntime-node reads /proc/self/cmdline when the process creates
// its first session and walks it recursively on the main thread's stack: ≈ 29 kB of command line overflowed the
// default 8 MiB stack (SIGSEGV, exit 139, no message) — `cfstudio reward score SPEC` with 850 absolute CIF paths
// died at the first prediction. bin.mjs now relays long argument lists to a child with a short command line
// (electron/cli/command-line.ts); these tests hold it to scoring exactly as an in-process run does.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARGV_FD_VARIABLE, MAX_COMMAND_LINE_BYTES, relayedArguments } from '../../electron/cli/command-line.ts';
import { NACL } from '../host/fixtures.ts';
import { runCli } from './run-cli.ts';

const SPEC = 'resources/rewards/bandgap-dielectric.json';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cfstudio-long-cmdline-'));
  writeFileSync(join(dir, 'NaCl.cif'), NACL.cif);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface ScoreJson {
  files: string[];
  reward: number[];
  terms: Record<string, (number | null)[]>;
  failures: unknown;
  failed: unknown[];
}

describe('a long command line', () => {
  it('reward score with 48 kB of file arguments exits normally and scores as an in-process run does', async () => {
    // The same file under 12 spellings of ~4,000 bytes each (`dir/././…/NaCl.cif`, below PATH_MAX): 48 kB of
    // command line, well past the ≈ 29 kB that crashed, while the CLI reads only 12 tiny files.
    const n = 12;
    const longPath = `${dir}/${'./'.repeat(1_950)}NaCl.cif`;
    expect(longPath.length).toBeLessThan(4_000);
    const child = spawnSync(process.execPath, ['electron/cli/bin.mjs', 'reward', 'score', SPEC, ...Array(n).fill(longPath), '--json'], {
      encoding: 'utf8',
      timeout: 150_000,
      maxBuffer: 16 << 20,
    });
    expect({ signal: child.signal, status: child.status, stderr: child.stderr }).toEqual({ signal: null, status: 0, stderr: '' });
    const long = JSON.parse(child.stdout) as ScoreJson;
    expect(long.files).toEqual(Array(n).fill(longPath));

    const reference = await runCli(['reward', 'score', SPEC, ...Array(n).fill(join(dir, 'NaCl.cif')), '--json']);
    expect(reference.code).toBe(0);
    const short = JSON.parse(reference.out) as ScoreJson;
    // The predictors ran (so onnxruntime was initialised in the child), and every number matches.
    expect(Number.isFinite(long.terms.band_gap?.[0])).toBe(true);
    expect(long.reward).toEqual(short.reward);
    expect(long.terms).toEqual(short.terms);
    expect(long.failures).toEqual(short.failures);
    expect(long.failed).toEqual([]);
    // ≈ 3 s of CPU (two onnxruntime start-ups, one in a fresh node); the bound is for a machine busy with training.
  }, 180_000);

  it('relays arguments through a file descriptor and removes the variable so that sub-processes do not inherit it', () => {
    const args = ['reward', 'score', 'spé c.json', 'a "quoted" name.cif', ''];
    const file = join(dir, 'argv.json');
    writeFileSync(file, JSON.stringify(args));
    const fd = openSync(file, 'r');
    const env: NodeJS.ProcessEnv = { [ARGV_FD_VARIABLE]: String(fd), OTHER: 'kept' };
    expect(relayedArguments(env)).toEqual(args);
    expect(env).toEqual({ OTHER: 'kept' });
    expect(() => closeSync(fd)).toThrow(/EBADF/); // closed after reading
    expect(relayedArguments({})).toBeUndefined();
    expect(() => relayedArguments({ [ARGV_FD_VARIABLE]: '1' })).toThrow(/not a relay file descriptor/);
    expect(MAX_COMMAND_LINE_BYTES).toBeLessThan(29_000 / 2);
  });
});
