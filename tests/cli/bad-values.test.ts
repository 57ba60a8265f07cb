// Bad values from the command line, #15: unusable --out destinations, models whose weights do not fit their card
// or are not finite, empty option values, and hostile text in error messages. Each is one line on stderr and
// exit 1 — never a stack trace (exit 2) or a hang.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../electron/cli/main.ts';
import { modelsDir } from '../../electron/engine/model/files.ts';
import { ParameterStore } from '../../electron/engine/params.ts';
import { NACL } from '../host/fixtures.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cfstudio-bad-values-'));
  writeFileSync(join(dir, 'NaCl.cif'), NACL.cif);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[]): Promise<{ code: number; out: string; stderr: string }> {
  let out = '';
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(argv, { out: (text) => (out += text), log: () => {} });
    return { code, out, stderr };
  } finally {
    spy.mockRestore();
  }
}

function expectOneLineError(result: { code: number; stderr: string }, pattern: RegExp): void {
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(pattern);
  expect(result.stderr).not.toMatch(/internal error|    at /);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
}

describe('unusable --out destinations are one-line errors', () => {
  it('an existing file, /dev/null, a path under a file and samples.jsonl being a folder', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const generate = (out: string) => run(['generate', '-n', '1', '--spacegroup', '225', '--out', out]);
    expectOneLineError(await generate(file), /a-file'?: exists and is not a folder/);
    expectOneLineError(await generate('/dev/null'), /\/dev\/null'?: is on \/dev/);
    expectOneLineError(await generate(join(file, 'sub')), /cannot create: '.*a-file' is a file, not a folder/);
    const withFolder = join(dir, 'out-with-folder');
    mkdirSync(join(withFolder, 'samples.jsonl'), { recursive: true });
    expectOneLineError(await generate(withFolder), /samples\.jsonl'?: exists and is not a regular file/);
    // The other commands that write folders check the same way.
    expectOneLineError(await run(['mcmc', '--spacegroup', '225', '--template', 'a:?,b:?', '--out', file]), /exists and is not a folder/);
    expectOneLineError(await run(['data', 'prepare', '--in', join(dir, 'NaCl.cif'), '--out', join(file, 'x')]), /is a file, not a folder/);
    expectOneLineError(await run(['evaluate', dir, '--out', dir]), /is a folder \(an output file is needed\)/);
  });

  it('refuses /proc quickly instead of hanging in a recursive mkdir (a child process with a time limit)', () => {
    const child = spawnSync(process.execPath, ['electron/cli/bin.mjs', 'generate', '-n', '1', '--out', '/proc/x/y'], { encoding: 'utf8', timeout: 60_000 });
    expect(child.error).toBeUndefined(); // not killed by the time limit
    expect(child.status).toBe(1);
    expect(child.stderr.trim()).toMatch(/^cfstudio: '\/proc\/x\/y': is on \/proc, a system filesystem/);
  });
});

describe('models that cannot be used are one-line errors', () => {
  const copyModel = (name: string): string => {
    const target = join(dir, name);
    cpSync(join(modelsDir(), 'default'), target, { recursive: true });
    return target;
  };

  it('a card whose configuration does not match the weights', async () => {
    const model = copyModel('mismatch');
    const card = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8')) as { config: { layers: number } };
    card.config.layers += 2;
    writeFileSync(join(model, 'model.json'), JSON.stringify(card));
    expectOneLineError(await run(['generate', '-n', '1', '--model', model, '--out', join(dir, 'g1')]), /weights do not match the model card's configuration: 'block4\.ln1\.scale' is missing/);
    expectOneLineError(await run(['score', join(dir, 'NaCl.cif'), '--model', model]), /weights do not match/);
  });

  it('weights with NaN', async () => {
    const model = copyModel('nan');
    const params = ParameterStore.fromSafetensors(readFileSync(join(model, 'model.safetensors')));
    const name = params.names()[3]!;
    const values = params.get(name);
    values[7] = NaN;
    values[9] = Infinity;
    writeFileSync(join(model, 'model.safetensors'), params.toSafetensors());
    expectOneLineError(await run(['generate', '-n', '1', '--model', model, '--out', join(dir, 'g2')]), new RegExp(`parameter '${name.replace('.', '\\.')}' has 2 non-finite values`));
  });
});

describe('option values', () => {
  it('an empty value is an error, not "any"', async () => {
    expectOneLineError(await run(['generate', '--spacegroup=', '-n', '1', '--out', join(dir, 'g3')]), /--spacegroup needs a value, got an empty one/);
    expectOneLineError(await run(['generate', '--elements=', '-n', '1', '--out', join(dir, 'g3')]), /--elements needs a value/);
    expectOneLineError(await run(['generate', '--elements', '  ', '-n', '1', '--out', join(dir, 'g3')]), /--elements needs a value/);
    expectOneLineError(await run(['predict', join(dir, 'NaCl.cif'), '--property=']), /--property needs a value/);
  });
});

describe('hostile text in error messages is escaped and bounded', () => {
  it('a 1 MB unknown option becomes a bounded line; terminal escapes and NUL are shown, not sent', async () => {
    const huge = await run(['inspect', `--${'x'.repeat(1_000_000)}`]);
    expect(huge.code).toBe(1);
    expect(huge.stderr.length).toBeLessThan(2_500);
    expect(huge.stderr).toMatch(/… \(\d+ more characters\)/);
    const escape = await run(['frobnicate\u001b]0;owned\u0007\u001b[2J\u0000']);
    expect(escape.code).toBe(1);
    expect(escape.stderr).toBe("cfstudio: unknown command 'frobnicate\\x1b]0;owned\\x07\\x1b[2J\\x00' (see cfstudio --help)\n");
    // A file name with an escape sequence, in a message built by the reader.
    const name = join(dir, 'evil\u001b[31m.cif');
    writeFileSync(name, 'data_x\n_cell_length_a abc\n');
    const evil = await run(['inspect', name]);
    expect(evil.code).toBe(1);
    expect(evil.stderr).not.toMatch(/\u001b/);
    expect(evil.stderr).toMatch(/evil\\x1b\[31m\.cif/);
  });
});
