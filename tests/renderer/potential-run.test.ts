/**
 * The pure parts of the viewer's Relax / Energy actions (renderer/src/views/potentialRun.ts): the job inputs a
 * shown structure becomes (accepted by the engine's schemas; an upload that reads back to the same sites in the
 * same order), the settings check at the schema's bounds, the trajectory frames' site-order check, the relaxed
 * structure read from the symmetrized CIF the engine writes (rock salt, a = 5.64 Å, 8 atoms in Fm-3m), and the
 * chart points: energy per atom = the step's energy / the engine's atom count.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { energyParamsSchema, relaxParamsSchema, type JobInfo, type JobOutput, type JobType } from '../../shared/api/jobs.ts';
import { analyzeStructure } from '../../shared/symmetry/analyze.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { readCifStructure } from '../../shared/io/index.ts';
import { structureCif } from '../../electron/screening/records.ts';
import { demoStructure } from '../../renderer/src/demo/structures.ts';
import type { JobHandlers, JobsBackend } from '../../renderer/src/api/jobs.ts';
import {
  checkRelaxSettings,
  DEFAULT_RELAX_SETTINGS,
  formatDecomposition,
  frameStructure,
  framesMatch,
  PotentialActions,
  potentialInputsFor,
  relaxedStructure,
  type RelaxedRecord,
} from '../../renderer/src/views/potentialRun.ts';

beforeAll(async () => {
  await initSymmetry();
});

const nacl = demoStructure('nacl').build();

describe('job inputs for the structure on screen', () => {
  it('a library row goes by id', () => {
    const inputs = potentialInputsFor({ key: 'candidate:lib-7', title: 'NaCl (SG 225)', structure: nacl, libraryId: 7 });
    expect(inputs).toEqual({ ids: [7] });
    expect(relaxParamsSchema.safeParse({ ...inputs, fmax: 0.05, maxSteps: 500, keepSymmetry: true, frames: true }).success).toBe(true);
  });

  it('anything else is an uploaded P1 CIF that reads back to the same sites in the same order', () => {
    const inputs = potentialInputsFor({ key: 'nacl', title: 'NaCl — Rock salt (Fm-3m)', structure: nacl });
    if (!('sources' in inputs)) throw new Error('expected an upload');
    expect(inputs.sources).toHaveLength(1);
    expect(inputs.sources[0]!.name).toBe('NaCl.cif');
    expect(energyParamsSchema.safeParse(inputs).success).toBe(true);
    const read = readCifStructure(inputs.sources[0]!.text).structure;
    expect(read.species).toEqual(nacl.species);
    expect(read.lattice.parameters.a).toBeCloseTo(5.64, 6);
    // Same positions modulo a lattice vector (the demo lists Cl at 1, the CIF at 0).
    read.sites.forEach((site, i) =>
      site.frac.forEach((x, k) => {
        const d = x - nacl.sites[i]!.frac[k]!;
        expect(Math.abs(d - Math.round(d))).toBeLessThan(1e-6);
      }),
    );
    expect(analyzeStructure(read, { symprec: 0.01 }).spaceGroup).toBe(225);
  });
});

describe('relax settings', () => {
  it('accepts the engine defaults and rejects what the job schema would', () => {
    expect(checkRelaxSettings(DEFAULT_RELAX_SETTINGS)).toEqual({ fmax: null, maxSteps: null });
    expect(relaxParamsSchema.safeParse({ ids: [1], ...DEFAULT_RELAX_SETTINGS }).success).toBe(true);
    for (const fmax of [0, -0.1, NaN, 101]) {
      expect(checkRelaxSettings({ ...DEFAULT_RELAX_SETTINGS, fmax }).fmax).not.toBeNull();
      expect(relaxParamsSchema.safeParse({ ids: [1], fmax }).success).toBe(false);
    }
    for (const maxSteps of [-1, 2.5, NaN, 100_001]) {
      expect(checkRelaxSettings({ ...DEFAULT_RELAX_SETTINGS, maxSteps }).maxSteps).not.toBeNull();
      expect(relaxParamsSchema.safeParse({ ids: [1], maxSteps }).success).toBe(false);
    }
    expect(checkRelaxSettings({ ...DEFAULT_RELAX_SETTINGS, maxSteps: 0 }).maxSteps).toBeNull();
  });
});

describe('trajectory frames', () => {
  const first = { step: 0, lattice: nacl.lattice.matrix, frac: nacl.sites.map((s) => [s.frac[0] + 1, s.frac[1], s.frac[2] - 1] as [number, number, number]) };

  it('match the shown structure when the sites sit at the same positions modulo 1, in order', () => {
    expect(framesMatch(nacl, first)).toBe(true);
    // Na and Cl swapped: the species would label the wrong atoms.
    const swapped = { ...first, frac: [...first.frac.slice(4), ...first.frac.slice(0, 4)] };
    expect(framesMatch(nacl, swapped)).toBe(false);
    expect(framesMatch(nacl, { ...first, frac: first.frac.slice(1) })).toBe(false);
    expect(framesMatch(nacl, undefined)).toBe(false);
  });

  it('a frame takes its cell and positions with the shown species', () => {
    const a = 5.7;
    const frame = { step: 3, lattice: [[a, 0, 0], [0, a, 0], [0, 0, a]] as [[number, number, number], [number, number, number], [number, number, number]], frac: first.frac };
    const s = frameStructure(nacl, frame);
    expect(s.species).toEqual(nacl.species);
    expect(s.lattice.volume).toBeCloseTo(a ** 3, 9);
  });
});

describe('the relaxed structure', () => {
  it('is read from the symmetrized CIF the engine writes', () => {
    const cif = structureCif(nacl, 0.01, 'NaCl');
    const record = { kind: 'relaxed', cif, block: 'NaCl' } as RelaxedRecord;
    const relaxed = relaxedStructure(record)!;
    expect(relaxed.sites).toHaveLength(8);
    expect(relaxed.lattice.parameters.a).toBeCloseTo(5.64, 6);
    expect(analyzeStructure(relaxed, { symprec: 0.01 }).spaceGroup).toBe(225);
    expect(relaxedStructure({ ...record, cif: null })).toBeNull();
  });

  it('decomposition reads as phases with atom fractions', () => {
    expect(formatDecomposition([{ formula: 'NaCl', fraction: 1 }])).toBe('NaCl 1.00');
    expect(formatDecomposition([{ formula: 'Na', fraction: 0.25 }, { formula: 'NaCl', fraction: 0.75 }])).toBe('Na 0.25 + NaCl 0.75');
    expect(formatDecomposition(null)).toBe('—');
  });
});

describe('streamed relax outputs', () => {
  /** A jobs backend that replays given outputs, then finishes. */
  function replaying(outputs: unknown[]): JobsBackend {
    return {
      async start<T extends JobType>(_type: T, _params: unknown, handlers: JobHandlers<T>) {
        outputs.forEach((item, i) => handlers.onOutput?.(item as JobOutput<T>, i));
        handlers.onFinished?.({ id: 'j1', status: 'completed' } as JobInfo);
        return { jobId: 'j1', cancel: async () => {}, detach: () => {} };
      },
      follow: () => Promise.reject(new Error('not used')),
      list: async () => [],
    };
  }

  it('chart energy per atom over the engine atom count and fmax per step; the frames and the record are kept', async () => {
    const actions = new PotentialActions();
    const frac = nacl.sites.map((s) => s.frac);
    const lattice = nacl.lattice.matrix;
    const outputs = [
      { kind: 'step', index: 0, step: 0, energy: -27.2, fmax: 0.4, volume: 179.4, lattice, frac },
      { kind: 'step', index: 0, step: 1, energy: -27.28, fmax: 0.1, volume: 180.1, lattice, frac },
      { kind: 'relaxed', index: 0, source: 'NaCl.cif', block: 'NaCl', status: 'converged', converged: true, steps: 1, cif: null, eHull: 0 },
    ];
    actions.relaxTarget = { key: 'nacl', title: 'NaCl', atoms: 8, settings: DEFAULT_RELAX_SETTINGS };
    await actions.relaxRun.start(replaying(outputs), { ids: [1] });
    expect(actions.chart.x).toEqual([0, 1]);
    expect(actions.chart.columns[0]).toEqual([-27.2 / 8, -27.28 / 8]);
    expect(actions.chart.columns[1]).toEqual([0.4, 0.1]);
    expect(actions.frames).toHaveLength(2);
    expect(actions.lastStep).toEqual({ step: 1, energyPerAtom: -27.28 / 8, fmax: 0.1, volume: 180.1 });
    expect(actions.relaxed?.status).toBe('converged');
    // A new run starts from an empty chart.
    await actions.relaxRun.start(replaying([]), { ids: [1] });
    expect(actions.chart.length).toBe(0);
    expect(actions.relaxed).toBeNull();
  });
});
