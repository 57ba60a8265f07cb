// Every batch command over a folder with good, overlapping, truncated and binary files (tests/cli/bad-inputs.ts):
// results for the good ones, one failure entry per bad one with its reason, exit 1; --strict stops at the first
// failure with one line and no results. Facts: NaCl is Fm-3m (225), CsCl Pm-3m (221).
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasShippedPredictor } from '../../electron/predictors/registry.ts';
import { readCifStructure } from '../../shared/io/cif.ts';
import { BAD_FILES, GOOD_FILES, writeMixedFolder } from './bad-inputs.ts';
import { runCli } from './run-cli.ts';

let dir: string;
let files: string[];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cfstudio-batch-'));
  files = writeMixedFolder(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = runCli;

interface Failure {
  file: string;
  error: string;
}

/** One failure entry per bad file, each naming that file and saying what is wrong with it. */
function expectFailuresForBadFiles(failed: Failure[]): void {
  expect(failed.map((f) => f.file).sort()).toEqual(Object.keys(BAD_FILES).map((name) => join(dir, name)));
  for (const [name, reason] of Object.entries(BAD_FILES)) {
    const failure = failed.find((f) => f.file === join(dir, name))!;
    expect(failure.error).toMatch(reason);
    expect(failure.error.startsWith(join(dir, name))).toBe(true);
  }
}

/** The text output lists the same failures: a count, then one line per bad file with its reason. */
function expectFailureLines(text: string): void {
  expect(text).toMatch(/failed: 3 of 5 inputs\n/);
  for (const [name, reason] of Object.entries(BAD_FILES)) {
    const line = text.split('\n').find((l) => l.startsWith(`  ${join(dir, name)}`));
    expect(line, name).toMatch(reason);
  }
}

async function expectStrictStops(argv: string[]): Promise<void> {
  const strict = await run([...argv, '--strict']);
  expect(strict.code).toBe(1);
  expect(strict.out).toBe('');
  // The first bad file in order (binary.cif) ends the run with one line.
  expect(strict.stderr).toMatch(new RegExp(`^cfstudio: ${join(dir, 'binary.cif').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: binary file`));
  expect(strict.stderr.trim().split('\n')).toHaveLength(1);
}

describe('batch commands keep going past bad files', () => {
  it('inspect: a report per good file, a failure per bad one, exit 1; --strict stops at the first', async () => {
    const json = await run(['inspect', ...files, '--json']);
    expect(json.code).toBe(1);
    const result = JSON.parse(json.out) as { reports: { file: string; spaceGroup: { number: number } }[]; failed: Failure[] };
    expect(result.reports.map((r) => [r.file, r.spaceGroup.number])).toEqual([
      [join(dir, 'CsCl.cif'), 221],
      [join(dir, 'NaCl.cif'), 225],
    ]);
    expectFailuresForBadFiles(result.failed);
    expect(json.log).toMatch(/3 of 5 inputs failed/);
    const text = await run(['inspect', ...files]);
    expect(text.code).toBe(1);
    expect(text.out).toMatch(/space group\s+221 Pm-3m/);
    expect(text.out).toMatch(/space group\s+225 Fm-3m/);
    expectFailureLines(text.out);
    await expectStrictStops(['inspect', ...files]);
    // All good: exit 0.
    expect((await run(['inspect', ...GOOD_FILES.map((f) => join(dir, f))])).code).toBe(0);
  });

  it('convert --out-dir: a file per good input that reads back, a failure per bad one', async () => {
    const out = join(dir, 'converted');
    const json = await run(['convert', ...files, '--to', 'cif-p1', '--out-dir', out, '--json']);
    expect(json.code).toBe(1);
    const result = JSON.parse(json.out) as { written: { file: string; output: string }[]; failed: Failure[] };
    expect(result.written.map((w) => w.output)).toEqual([join(out, 'CsCl.cif'), join(out, 'NaCl.cif')]);
    expect(readdirSync(out).sort()).toEqual(['CsCl.cif', 'NaCl.cif']);
    expect(readCifStructure(readFileSync(join(out, 'NaCl.cif'), 'utf8')).structure.numSites).toBe(8);
    expectFailuresForBadFiles(result.failed);
    const text = await run(['convert', ...files, '--to', 'poscar', '--out-dir', join(dir, 'poscars')]);
    expect(text.code).toBe(1);
    expect(text.out).toMatch(/wrote 2 file\(s\) \(poscar\)/);
    expectFailureLines(text.out);
    await expectStrictStops(['convert', ...files, '--to', 'xyz', '--out-dir', join(dir, 'xyz')]);
    // Several inputs need a folder.
    const noDir = await run(['convert', ...files, '--to', 'cif']);
    expect(noDir.code).toBe(1);
    expect(noDir.stderr).toMatch(/needs --out-dir/);
  });

  it('score: the NLL of the good files, a failure per bad one (CSV rows fail one by one)', async () => {
    const json = await run(['score', ...files, '--json']);
    expect(json.code).toBe(1);
    const result = JSON.parse(json.out) as { results: { name: string; spaceGroup: number; nll: { total: number } }[]; failed: Failure[]; average: { crystals: number; failed: number } };
    expect(result.results.map((r) => [r.name, r.spaceGroup])).toEqual([
      [join(dir, 'CsCl.cif'), 221],
      [join(dir, 'NaCl.cif'), 225],
    ]);
    for (const r of result.results) expect(Number.isFinite(r.nll.total)).toBe(true);
    expect(result.average).toMatchObject({ crystals: 2, failed: 3 });
    expectFailuresForBadFiles(result.failed);
    expectFailureLines((await run(['score', ...files])).out);
    await expectStrictStops(['score', ...files]);
    // A CSV with a good row and an overlapping one: the good row is scored, the bad one fails as FILE:LINE.
    const csv = join(dir, 'rows.csv');
    const quote = (text: string) => `"${text.replaceAll('"', '""')}"`;
    writeFileSync(csv, `material_id,cif\ngood,${quote(readFileSync(join(dir, 'NaCl.cif'), 'utf8'))}\nbad,${quote(readFileSync(join(dir, 'overlap.cif'), 'utf8'))}\n`);
    const rows = await run(['score', csv, '--json']);
    expect(rows.code).toBe(1);
    const rowResult = JSON.parse(rows.out) as { results: { spaceGroup: number }[]; failed: Failure[] };
    expect(rowResult.results.map((r) => r.spaceGroup)).toEqual([225]);
    expect(rowResult.failed).toHaveLength(1);
    expect(rowResult.failed[0]!.file).toMatch(/rows\.csv:\d+$/);
    expect(rowResult.failed[0]!.error).toMatch(/overlapping atoms/);
  });

  it.skipIf(!hasShippedPredictor('band_gap'))('predict: predictions for the good files, a failure per bad one', async () => {
    const json = await run(['predict', ...files, '--property', 'band_gap', '--json']);
    expect(json.code).toBe(1);
    const result = JSON.parse(json.out) as { predictions: { file: string; band_gap: number }[]; failed: Failure[] };
    expect(result.predictions.map((p) => p.file)).toEqual(GOOD_FILES.map((f) => join(dir, f)));
    // NaCl and CsCl are wide-gap ionic insulators (PBE ≈ 5.0 and 5.1 eV in the Materials Project).
    for (const p of result.predictions) expect(p.band_gap).toBeGreaterThan(2);
    expectFailuresForBadFiles(result.failed);
    expectFailureLines((await run(['predict', ...files, '--property', 'band_gap'])).out);
    await expectStrictStops(['predict', ...files, '--property', 'band_gap']);
  });

  it.skipIf(!hasShippedPredictor('band_gap'))('reward score: rewards for the good files, a failure per bad one', async () => {
    const spec = join(dir, 'gap.json');
    writeFileSync(spec, JSON.stringify({ version: 1, reward: { kind: 'predictor', predictor: 'band_gap' } }));
    const json = await run(['reward', 'score', spec, ...files, '--json']);
    expect(json.code).toBe(1);
    const result = JSON.parse(json.out) as { files: string[]; reward: number[]; failed: Failure[] };
    expect(result.files).toEqual(GOOD_FILES.map((f) => join(dir, f)));
    expect(result.reward).toHaveLength(2);
    for (const r of result.reward) expect(r).toBeGreaterThan(2);
    expectFailuresForBadFiles(result.failed);
    expectFailureLines((await run(['reward', 'score', spec, ...files])).out);
    await expectStrictStops(['reward', 'score', spec, ...files]);
  });

  it('evaluate: the good CIFs are evaluated, the bad ones listed as unreadable, exit 1', async () => {
    const folder = join(dir, 'eval');
    writeMixedFolder(mkdirIn(folder));
    const json = await run(['evaluate', folder, '--json']);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.out) as { count: number; input: { unreadable: Failure[] } };
    expect(report.count).toBe(2);
    expect(report.input.unreadable.map((u) => u.file).sort()).toEqual(Object.keys(BAD_FILES));
    for (const [name, reason] of Object.entries(BAD_FILES)) expect(report.input.unreadable.find((u) => u.file === name)!.error).toMatch(reason);
    const text = await run(['evaluate', folder]);
    expect(text.code).toBe(1);
    expect(text.out).toMatch(/failed: 3 of 5 inputs\n/);
    const strict = await run(['evaluate', folder, '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.out).toBe('');
    expect(strict.stderr).toMatch(/binary\.cif: binary file/);
  });

  it('documents the exit code in the help of every batch command', async () => {
    for (const argv of [['inspect'], ['convert'], ['score'], ['predict'], ['reward', 'score'], ['evaluate']]) {
      const help = await run([...argv, '--help']);
      expect(help.out).toMatch(/Exit code: 0 when every input succeeded, 1 when any failed/);
      expect(help.out).toMatch(/--strict/);
    }
  });
});

function mkdirIn(path: string): string {
  rmSync(path, { recursive: true, force: true });
  mkdirSync(path, { recursive: true });
  return path;
}
