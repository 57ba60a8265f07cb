// E_hull where a scientist decides, in the real engine host with the shipped M3GNet potential:
// - 'generate' with scoreEHull stores each valid crystal's single-point E_hull on its row, and the numbers equal what
//   the 'energy' job (the code of `cfstudio energy`, whose stability path is tested against pymatgen) gives for the
//   same rows;
// - 'relax' with saveToLibrary stores each relaxed crystal as a new row linked to its parent, E_hull labelled
//   'relaxed', equal to the 'energy' job's single point on the stored relaxed structure; rock salt NaCl and diamond
//   Si keep their space groups (225, 227) when relaxed with the group kept;
// - 'energy' with saveToLibrary stores single-point scores on rows (relaxed rows keep their label), and a relaxed
//   row's E_hull is below its parent's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnergyOutput, GeneratedCandidate, JobResult, RelaxOutput } from '../../shared/api/jobs.ts';
import { readCifStructure } from '../../shared/io/cif.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { nodeHostLauncher } from '../../electron/host/launcher.ts';
import { JobSupervisor } from '../../electron/host/supervisor.ts';
import { openLibrary } from '../../electron/library/index.ts';
import { NACL, SILICON } from './fixtures.ts';

const workspace = mkdtempSync(join(tmpdir(), 'cfstudio-ehull-'));
const supervisor = new JobSupervisor({ workspace, launcher: nodeHostLauncher({ forwardStderr: false }), onEvent: () => {}, log: () => {} });

beforeAll(async () => {
  await initSymmetry();
  await supervisor.start();
}, 60_000);
afterAll(async () => {
  await supervisor.stop();
  rmSync(workspace, { recursive: true, force: true });
});

type Relaxed = Extract<RelaxOutput, { kind: 'relaxed' }>;
type Energy = Extract<EnergyOutput, { ok: true }>;

async function singlePoints(ids: number[]): Promise<Map<number, Energy>> {
  const job = await supervisor.waitFor(supervisor.submit('energy', { ids }).id);
  expect(job.error).toBeUndefined();
  const outputs = (supervisor.outputs(job.id) as EnergyOutput[]).filter((o): o is Energy => o.ok);
  return new Map(outputs.map((o) => [o.libraryId!, o]));
}

describe('E_hull in generation and relax-and-save', () => {
  it('generate with scoreEHull stores each valid crystal’s single-point E_hull, equal to the energy job on the same rows', async () => {
    const job = await supervisor.waitFor(
      supervisor.submit('generate', { spaceGroups: [225], wyckoff: { letters: ['a', 'b'], complete: true }, siteElements: [['Na'], ['Cl']], n: 6, seed: 7, batchSize: 4, scoreEHull: true }).id,
    );
    expect(job.error).toBeUndefined();
    const result = job.result as JobResult<'generate'>;
    const outputs = supervisor.outputs(job.id) as GeneratedCandidate[];
    expect(outputs).toHaveLength(6);
    const library = openLibrary(workspace, { readonly: true });
    try {
      const rows = library.queryStructures({ runId: result.runId, limit: 100 }).rows;
      expect(rows).toHaveLength(6);
      const check = await singlePoints(rows.map((r) => r.id));
      for (const output of outputs) {
        const row = rows.find((r) => r.id === output.id)!;
        expect(output.score?.kind).toBe('single-point');
        if (!output.valid) {
          expect(row.eHull).toBeNull();
          expect(output.score?.error).toMatch(/structurally invalid/);
          continue;
        }
        // Every 4a+4b rock-salt cell is NaCl: the potential knows both elements and the hull holds NaCl.
        const reference = check.get(row.id)!;
        expect(row.energyKind).toBe('single-point');
        expect(row.eHull).not.toBeNull();
        expect(row.eHull!).toBeCloseTo(reference.eHull!, 4);
        expect(row.energyPerAtom!).toBeCloseTo(reference.energyPerAtom, 4);
        expect(row.formationEnergyPerAtom!).toBeCloseTo(reference.formationEnergyPerAtom!, 4);
        expect(output.score!.eHull!).toBeCloseTo(row.eHull!, 10);
        expect(library.getStructure(row.id)!.stabilityDetails).toMatchObject({ potential: expect.stringMatching(/M3GNet/), decomposition: expect.any(Array) });
      }
      expect(outputs.filter((o) => o.valid).length).toBeGreaterThan(0);
    } finally {
      library.close();
    }
  }, 300_000);

  it('relax with saveToLibrary stores NaCl and Si relaxed, linked to their parents, E_hull labelled relaxed and equal to a single point on the stored row', async () => {
    const writer = openLibrary(workspace);
    const parents = [NACL, SILICON].map((crystal) => writer.addStructure({ structure: readCifStructure(crystal.cif).structure, source: 'imported', name: crystal.name }));
    writer.close();

    const job = await supervisor.waitFor(supervisor.submit('relax', { ids: parents, saveToLibrary: true, trajectory: false }).id);
    expect(job.error).toBeUndefined();
    expect(job.result as JobResult<'relax'>).toMatchObject({ relaxed: 2, saved: 2, failed: 0 });
    const relaxed = (supervisor.outputs(job.id) as RelaxOutput[]).filter((o): o is Relaxed => o.kind === 'relaxed');
    expect(relaxed.map((r) => r.libraryId).sort()).toEqual([...parents].sort());

    const library = openLibrary(workspace, { readonly: true });
    try {
      const check = await singlePoints(relaxed.map((r) => r.savedId!));
      for (const [k, parent] of parents.entries()) {
        const output = relaxed.find((r) => r.libraryId === parent)!;
        expect(output.status).toBe('converged');
        const child = library.getStructure(output.savedId!)!;
        expect(child).toMatchObject({ parentId: parent, source: 'relaxed', energyKind: 'relaxed', spaceGroupFound: [NACL, SILICON][k]!.spaceGroup, valid: true });
        expect(child.name).toBe(`${[NACL, SILICON][k]!.name} (relaxed)`);
        expect(child.eHull).toBe(output.eHull);
        expect(child.energyPerAtom).toBe(output.energyPerAtom);
        expect(child.stabilityDetails).toMatchObject({ status: 'converged', spaceGroupKept: [NACL, SILICON][k]!.spaceGroup });
        // The stored relaxed structure is the one whose energy was reported.
        const single = check.get(child.id)!;
        expect(single.energyPerAtom).toBeCloseTo(output.energyPerAtom!, 4);
        expect(single.eHull!).toBeCloseTo(child.eHull!, 4);
        // Relaxation lowers the energy, and the parent's children are found by parentId.
        expect(output.energy!).toBeLessThanOrEqual(output.initialEnergy! + 1e-6);
        expect(library.queryStructures({ parentId: parent }).rows.map((r) => r.id)).toEqual([child.id]);
      }
    } finally {
      library.close();
    }

    // The energy job with saveToLibrary scores the parents (single point on the textbook cells) and leaves the
    // relaxed rows labelled relaxed; each relaxed E_hull lies below its parent's (same composition, lower energy).
    const children = relaxed.map((r) => r.savedId!);
    const scoring = await supervisor.waitFor(supervisor.submit('energy', { ids: [...parents, ...children], saveToLibrary: true }).id);
    expect(scoring.error).toBeUndefined();
    expect(scoring.result as JobResult<'energy'>).toMatchObject({ computed: 4, saved: 4, failed: 0 });
    const outputs = (supervisor.outputs(scoring.id) as EnergyOutput[]).filter((o): o is Energy => o.ok);
    const after = openLibrary(workspace, { readonly: true });
    try {
      for (const output of outputs) {
        const row = after.getStructure(output.libraryId!)!;
        expect(output.saved).toBe(true);
        expect(row.eHull).toBe(output.eHull);
        expect(row.energyKind).toBe(children.includes(row.id) ? 'relaxed' : 'single-point');
      }
      for (const output of relaxed) {
        const parent = after.getStructure(output.libraryId!)!;
        const child = after.getStructure(output.savedId!)!;
        expect(child.eHull!).toBeLessThan(parent.eHull! + 1e-6);
        // Relaxing kept the record of the relaxation in the child's details.
        expect(child.stabilityDetails).toMatchObject({ status: 'converged' });
      }
    } finally {
      after.close();
    }
  }, 300_000);
});
