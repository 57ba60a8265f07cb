import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../electron/cli/main.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { readCifStructure } from '../../shared/io/cif.ts';
import { analyzeStructure } from '../../shared/symmetry/analyze.ts';
import type { SampleRecord } from '../../electron/engine/sample/build.ts';

let dir: string;
beforeAll(async () => {
  await initSymmetry();
  dir = await mkdtemp(join(tmpdir(), 'cfstudio-gen-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await main(args, { log: () => {}, out: (t) => (out += t) });
  return { code, out };
}

function records(folder: string): SampleRecord[] {
  return readFileSync(join(folder, 'samples.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as SampleRecord);
}

describe('cfstudio generate and score with the shipped model', () => {
  it('writes symmetrized CIFs and JSON lines for a prompted rock-salt search', async () => {
    const out = join(dir, 'nacl');
    const result = await run(['generate', '--spacegroup', '225', '--wyckoff', 'a,b', '--site-elements', 'Na,K;Cl,Br', '-n', '12', '--seed', '4', '--out', out, '--json']);
    expect(result.code).toBe(0);
    const lines = records(out);
    expect(lines.length).toBe(12);
    for (const r of lines) {
      expect(r.spaceGroupRequested).toBe(225);
      expect(r.sites.map((s) => s.letter)).toEqual(['a', 'b']);
      expect(['Na', 'K']).toContain(r.sites[0]!.element);
      expect(['Cl', 'Br']).toContain(r.sites[1]!.element);
      expect(Number.isFinite(r.logp.total)).toBe(true);
      if (r.file === null) continue;
      // Every CIF parses back to the rock-salt structure (8 atoms, space group 225) found by an independent analysis.
      const structure = readCifStructure(await readFile(join(out, r.file), 'utf8')).structure;
      expect(structure.numSites).toBe(8);
      expect(analyzeStructure(structure, { symprec: 0.1 }).spaceGroup).toBe(225);
      expect(r.spaceGroupFound).toBe(225);
    }
    // The summary counts what the records say: structurally valid crystals, and those found in the requested group.
    const summary = JSON.parse(result.out) as { samples: number; structurallyValid: number; spaceGroupMatched: number };
    expect(summary.samples).toBe(12);
    expect(summary.structurallyValid).toBe(lines.filter((r) => r.structurallyValid).length);
    expect(summary.spaceGroupMatched).toBe(lines.filter((r) => r.spaceGroupFound === 225).length);
    // The same seed reproduces the same crystals.
    const again = join(dir, 'nacl-again');
    await run(['generate', '--spacegroup', '225', '--wyckoff', 'a,b', '--site-elements', 'Na,K;Cl,Br', '-n', '12', '--seed', '4', '--out', again]);
    expect(records(again).map((r) => r.logp.total)).toEqual(lines.map((r) => r.logp.total));
  });

  it('writes the same crystals with one pipeline as with several (--pipelines)', async () => {
    const args = ['generate', '--spacegroup', '62,14,225', '-n', '20', '--batch-size', '8', '--seed', '6'];
    const one = join(dir, 'one-pipeline');
    const three = join(dir, 'three-pipelines');
    expect((await run([...args, '--pipelines', '1', '--out', one])).code).toBe(0);
    expect((await run([...args, '--pipelines', '3', '--out', three])).code).toBe(0);
    expect(readFileSync(join(three, 'samples.jsonl'), 'utf8')).toBe(readFileSync(join(one, 'samples.jsonl'), 'utf8'));
    expect(records(three).length).toBe(20);
  });

  it('scores structures: per-type NLLs add up to the total, and a bad file is a one-line user error', async () => {
    const out = join(dir, 'nacl');
    const file = join(out, records(out).find((r) => r.file)!.file!);
    const result = await run(['score', file, '--json']);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.out) as { results: { nll: Record<string, number>; spaceGroup: number }[] };
    const nll = parsed.results[0]!.nll;
    expect(parsed.results[0]!.spaceGroup).toBe(225);
    expect(nll.wyckoff! + nll.atoms! + nll.coords! + nll.lattice!).toBeCloseTo(nll.total!, 4);
    expect((await run(['score', join(dir, 'missing.cif')])).code).toBe(1);
    expect((await run(['generate', '--spacegroup', '225', '--wyckoff', 'a,a', '--out', join(dir, 'bad')])).code).toBe(1);
  });

  it('keeps every sample written before a crash (SIGKILL mid-run)', async () => {
    const out = join(dir, 'killed');
    const child = spawn(process.execPath, ['electron/cli/bin.mjs', 'generate', '-n', '5000', '--batch-size', '8', '--seed', '2', '--out', out], { stdio: 'ignore' });
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      if (existsSync(join(out, 'samples.jsonl')) && records(out).length >= 20) break;
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const written = records(out);
    expect(written.length).toBeGreaterThanOrEqual(20);
    expect(written.length).toBeLessThan(5000);
    for (const r of written) if (r.file) expect(() => readCifStructure(readFileSync(join(out, r.file!), 'utf8'))).not.toThrow();
  });
});
