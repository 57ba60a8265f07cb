/**
 * The viewer's interatomic-potential actions as the page remembers them: a 'relax' job (FIRE with the shipped
 * M3GNet) and an 'energy' job (single point) for the structure on screen. Like the dashboards' state it lives in
 * App, so leaving the Viewer and coming back keeps the chart and the result, and a running relaxation keeps
 * streaming. The pure parts (the job inputs for a structure, the settings check, the frames) are tested in Node.
 */
import type { EnergyOutput, RelaxOutput } from '../../../shared/api/jobs.ts';
import { Lattice } from '../../../shared/crystal/lattice.ts';
import type { Mat3, Vec3 } from '../../../shared/crystal/linalg.ts';
import { Structure } from '../../../shared/crystal/structure.ts';
import { readCifStructure, writeCifP1 } from '../../../shared/io/index.ts';
import { ChartData } from '../charts/chartData.ts';
import { JobRun } from './jobRun.ts';

/** The structure an action runs on: what the viewer shows, and its library row when it is one. */
export interface PotentialTarget {
  /** The viewer's key of the structure (results are shown only for the structure they belong to). */
  key: string;
  title: string;
  structure: Structure;
  libraryId?: number | undefined;
}

export interface RelaxSettings {
  /** eV/Å */
  fmax: number;
  maxSteps: number;
  keepSymmetry: boolean;
  /** Store the relaxed structure in the library, linked to the row it came from (when it is one). */
  saveToLibrary: boolean;
}

/** The engine's defaults (shared/api/jobs.ts relaxParamsSchema). */
export const DEFAULT_RELAX_SETTINGS: RelaxSettings = { fmax: 0.05, maxSteps: 500, keepSymmetry: true, saveToLibrary: false };

export function checkRelaxSettings(s: RelaxSettings): { fmax: string | null; maxSteps: string | null } {
  return {
    fmax: !Number.isFinite(s.fmax) || s.fmax <= 0 || s.fmax > 100 ? 'fmax must be a number of eV/Å above 0 and at most 100' : null,
    maxSteps: !Number.isInteger(s.maxSteps) || s.maxSteps < 0 || s.maxSteps > 100_000 ? 'max steps must be a whole number from 0 to 100000' : null,
  };
}

/**
 * The job input for a structure: a library row by id (the engine reads the stored CIF), anything else as an
 * uploaded P1 CIF of exactly the sites on screen (so the engine relaxes the cell the user sees, in the same site order).
 */
export function potentialInputsFor(target: PotentialTarget): { ids: number[] } | { sources: { name: string; text: string }[] } {
  if (target.libraryId !== undefined) return { ids: [target.libraryId] };
  const base = (target.title.split(' ')[0] ?? '').replace(/[^A-Za-z0-9_.-]+/g, '_') || 'structure';
  return { sources: [{ name: `${base}.cif`, text: writeCifP1(target.structure) }] };
}

export type RelaxedRecord = Extract<RelaxOutput, { kind: 'relaxed' }>;
export type EnergyRecord = Extract<EnergyOutput, { ok: true }>;

/** One relaxation step's cell and positions (site order of the structure sent). */
export interface RelaxFrame {
  step: number;
  lattice: Mat3;
  frac: Vec3[];
}

/**
 * The relaxed structure from the symmetrized CIF the job returns. Its sites are the CIF's orbits expanded, not
 * necessarily in the order of the input.
 */
export function relaxedStructure(record: RelaxedRecord): Structure | null {
  if (!record.cif) return null;
  return readCifStructure(record.cif, { fileName: `${record.block || 'relaxed'}.cif` }).structure;
}

/**
 * Whether the frames are in the shown structure's site order, so its species can label them: the first frame (the
 * structure before any step) must have the same sites at the same fractional positions (modulo 1, within 1e-4).
 */
export function framesMatch(structure: Structure, first: RelaxFrame | undefined): boolean {
  if (!first || first.frac.length !== structure.sites.length) return false;
  return structure.sites.every((site, i) =>
    site.frac.every((x, k) => {
      const d = x - first.frac[i]![k]!;
      return Math.abs(d - Math.round(d)) < 1e-4;
    }),
  );
}

/** The structure at one frame, with the shown structure's species and labels. */
export function frameStructure(structure: Structure, frame: RelaxFrame): Structure {
  return new Structure(
    new Lattice(frame.lattice),
    structure.sites.map((site, i) => ({ ...site, frac: frame.frac[i]! })),
  );
}

/** 'NaCl 0.60 + Na 0.40' (fractions of the atoms). */
export function formatDecomposition(decomposition: readonly { formula: string; fraction: number }[] | null): string {
  if (!decomposition || decomposition.length === 0) return '—';
  return decomposition.map((d) => `${d.formula} ${d.fraction.toFixed(2)}`).join(' + ');
}

export class PotentialActions {
  /** Per step: energy per atom (eV/atom) and fmax (eV/Å). */
  readonly chart = new ChartData(2);
  relaxTarget: { key: string; title: string; atoms: number; settings: RelaxSettings } | null = null;
  frames: RelaxFrame[] = [];
  lastStep: { step: number; energyPerAtom: number; fmax: number; volume: number } | null = null;
  relaxed: RelaxedRecord | null = null;
  /** The job could not read the structure. */
  relaxFailure: string | null = null;
  settings: RelaxSettings = DEFAULT_RELAX_SETTINGS;
  /** Show the relaxed structure in the viewer instead of the input. */
  showRelaxed = false;
  /** Trajectory frame shown (null: the input or the relaxed structure as chosen). */
  frameIndex: number | null = null;

  readonly relaxRun: JobRun<'relax'> = new JobRun(
    'relax',
    (item) => {
      if (item.kind === 'step') {
        // The engine's own atom count (its structure sent the frames), else the structure on screen.
        const atoms = item.frac?.length ?? this.relaxTarget?.atoms ?? 1;
        this.lastStep = { step: item.step, energyPerAtom: item.energy / atoms, fmax: item.fmax, volume: item.volume };
        this.chart.append(item.step, [item.energy / atoms, item.fmax]);
        if (item.lattice && item.frac) this.frames.push({ step: item.step, lattice: item.lattice, frac: item.frac });
      } else if (item.kind === 'relaxed') {
        this.relaxed = item;
      } else {
        this.relaxFailure = item.error;
      }
    },
    () => {
      this.chart.clear();
      this.frames = [];
      this.lastStep = null;
      this.relaxed = null;
      this.relaxFailure = null;
      this.showRelaxed = false;
      this.frameIndex = null;
    },
  );

  energyTarget: { key: string; title: string } | null = null;
  energy: EnergyRecord | null = null;
  energyFailure: string | null = null;
  readonly energyRun: JobRun<'energy'> = new JobRun(
    'energy',
    (item) => {
      if (item.ok) this.energy = item;
      else this.energyFailure = item.error;
    },
    () => {
      this.energy = null;
      this.energyFailure = null;
    },
  );
}
