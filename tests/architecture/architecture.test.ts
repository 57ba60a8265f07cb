/**
 * Architecture: the import graph of shared/, electron/ and renderer/ obeys the layering rules
 * (tests/architecture/layering.ts) and has no runtime import cycles outside the graph builder's op registry. The
 * checker itself is tested on a small made-up tree with deliberate violations, so a rule that stopped matching
 * would fail here rather than pass silently.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importGraph, importsOf, runtimeCycles, type ImportEdge } from './imports.ts';
import { cycleAllowed, layeringViolation } from './layering.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function sourceFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'shared', 'electron', 'renderer'], { cwd: ROOT, encoding: 'utf8' });
  // A file in the middle of a merge is listed once per stage.
  return [...new Set(listed.split('\n').filter((f) => /\.(ts|tsx|mts|mjs)$/.test(f) && !f.endsWith('.d.ts')))];
}

const describeEdge = (e: ImportEdge, reason: string) => `${e.from}:${e.line} → ${e.to}: ${reason}`;

describe('architecture', () => {
  const edges = importGraph(ROOT, sourceFiles());

  it('reads a real import graph', () => {
    expect(edges.length).toBeGreaterThan(500);
    expect(edges.some((e) => e.from === 'electron/main/main.ts' && e.to === 'package:electron')).toBe(true);
  });

  it('every import obeys the layering rules', () => {
    const violations = edges.flatMap((e) => {
      const reason = layeringViolation(e);
      return reason ? [describeEdge(e, reason)] : [];
    });
    expect(violations).toEqual([]);
  });


  it('has no runtime import cycles (outside the graph builder)', () => {
    expect(runtimeCycles(edges).filter((c) => !cycleAllowed(c))).toEqual([]);
  });

  it('no eslint-disable comment without a linter to read it', () => {
    const withDirective = sourceFiles().filter((f) => /eslint-disable/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(withDirective).toEqual([]);
  });
});

describe('the checker, on deliberate violations', () => {
  const edge = (from: string, text: string) => importsOf(ROOT, from, text);

  it('flags shared/ importing electron/, the renderer importing the engine, the engine importing the CLI', () => {
    const bad = [
      ...edge('shared/api/jobs.ts', "import { RewardSpecSchema } from '../../electron/rewards/spec.ts';"),
      ...edge('renderer/src/views/RlView.tsx', "import { x } from '../../../electron/engine/runtime.ts';"),
      ...edge('electron/engine/rl/finetune.ts', "import { UserError } from '../../cli/command.ts';"),
      ...edge('electron/data/csv-source.ts', "import { UserError } from '../cli/command.ts';"),
      ...edge('electron/host/main.ts', "import { app } from 'electron';"),
      ...edge('shared/io/index.ts', "import { readFile } from 'node:fs/promises';"),
      ...edge('electron/symmetry/bounded.ts', "import { createSession } from '../engine/runtime.ts';"),
    ];
    expect(bad).toHaveLength(7);
    for (const e of bad) expect(layeringViolation(e), `${e.from} → ${e.to}`).toBeDefined();
  });

  it('allows what the rules allow, and tells type-only and dynamic imports apart', () => {
    const good = [
      ...edge('shared/io/index.ts', "const m = await import('node:fs/promises');"),
      ...edge('electron/main/main.ts', "import { app } from 'electron';"),
      ...edge('renderer/src/App.tsx', "import { Lattice } from '../../shared/crystal/lattice.ts';"),
      ...edge('electron/cli/commands/generate.ts', "import { loadModel } from '../../engine/model/files.ts';"),
    ];
    for (const e of good) expect(layeringViolation(e), `${e.from} → ${e.to}`).toBeUndefined();
    expect(good[0]!.dynamic).toBe(true);
    const [typeOnly, named, mixed] = edge('electron/rewards/a.ts', "import type { A } from './b.ts';\nimport { type B } from './c.ts';\nimport { type C, d } from './d.ts';");
    expect([typeOnly!.typeOnly, named!.typeOnly, mixed!.typeOnly]).toEqual([true, true, false]);
  });

  it('finds a cycle through runtime imports and ignores one closed only by a type import', () => {
    const cycle = [
      ...edge('electron/rewards/a.ts', "import { b } from '../predictors/b.ts';"),
      ...edge('electron/predictors/b.ts', "import { a } from '../rewards/a.ts';"),
    ];
    expect(runtimeCycles(cycle)).toEqual([['electron/predictors/b.ts', 'electron/rewards/a.ts']]);
    const typeClosed = [
      ...edge('electron/rewards/a.ts', "import { b } from '../predictors/b.ts';"),
      ...edge('electron/predictors/b.ts', "import type { A } from '../rewards/a.ts';"),
    ];
    expect(runtimeCycles(typeClosed)).toEqual([]);
  });
});
