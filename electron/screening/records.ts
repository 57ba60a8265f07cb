/**
 * What `cfstudio relax` / `cfstudio energy` and the relax / energy jobs report for a structure judged by a potential:
 * one JSON-ready record per structure (energies, forces and stress in user units, the relaxation's outcome, space
 * groups before and after, displacement and volume change) with the MP2020-corrected formation energy and E_hull
 * against the (partial) reference hull when the stability data can be read.
 */
import { Composition } from '../../shared/crystal/composition.ts';
import type { Mat3, Vec3 } from '../../shared/crystal/linalg.ts';
import type { Structure } from '../../shared/crystal/structure.ts';
import { writeCifP1, writeSymmetrizedCif } from '../../shared/io/index.ts';
import { analyzeStructure } from '../../shared/symmetry/analyze.ts';
import { errorLine } from '../../shared/text/safe-text.ts';
import type { RelaxResult, RelaxStatus } from '../engine/potential/relax.ts';
import { EV_PER_A3_TO_GPA, type PotentialResult } from '../engine/potential/types.ts';
import { PARTIAL_HULL_NOTE, StabilityAnalyzer } from '../stability/index.ts';

/** Stability of one structure: null fields when the stability data is missing or does not cover it. */
export interface StabilityRecord {
  /** MP2020-corrected energy, eV (whole cell). */
  correctedEnergy: number | null;
  /** eV/atom against the MP elemental references. */
  formationEnergyPerAtom: number | null;
  /** eV/atom above the partial reference hull (negative: below it). */
  eHull: number | null;
  /** The hull phases at this composition: reduced formula, reference id, share of the atoms. */
  decomposition: { formula: string; id: string; fraction: number }[] | null;
  /** Why the fields are null, when they are. */
  stabilityError?: string;
}

export interface SinglePointRecord extends StabilityRecord {
  file: string;
  formula: string;
  atoms: number;
  /** eV. */
  energy: number;
  energyPerAtom: number;
  /** eV/Å, per site in site order. */
  forces: Vec3[];
  /** Largest |force|, eV/Å. */
  maxForce: number;
  /** σ = (1/V) ∂E/∂ε in GPa (ASE's sign: positive = tensile). */
  stressGPa: Mat3;
  /** −tr(σ)/3, GPa (positive = the cell wants to expand). */
  pressureGPa: number;
  spaceGroup: number | null;
}

export interface RelaxationRecord extends StabilityRecord {
  file: string;
  /** The relaxed CIF written (converged or not-converged relaxations), or null. */
  output: string | null;
  formula: string;
  atoms: number;
  status: RelaxStatus;
  converged: boolean;
  message?: string;
  /** FIRE steps taken. */
  steps: number;
  /** eV/Å, final, as ASE measures it (atoms and cell). */
  fmax: number | null;
  /** eV of the starting structure and of the final one. */
  initialEnergy: number | null;
  energy: number | null;
  energyPerAtom: number | null;
  /** (V_final − V_start) / V_start. */
  volumeChange: number | null;
  /** RMS displacement of the atoms in Å, measured in the final cell (a uniform change of the cell alone gives 0). */
  rmsd: number | null;
  spaceGroupBefore: number | null;
  spaceGroupAfter: number | null;
  /** With symmetry kept: the group whose operations were imposed. */
  spaceGroupKept: number | null;
  warnings?: string[];
}

/** Loads the stability data once; on failure returns the reason instead (records then carry null fields). */
export async function loadStability(): Promise<StabilityAnalyzer | { error: string }> {
  try {
    return await StabilityAnalyzer.load();
  } catch (error) {
    return { error: errorLine(error) };
  }
}

export { PARTIAL_HULL_NOTE };

export function stabilityRecord(stability: StabilityAnalyzer | { error: string } | undefined, structure: Structure, energy: number): StabilityRecord {
  const empty = { correctedEnergy: null, formationEnergyPerAtom: null, eHull: null, decomposition: null };
  if (stability === undefined) return empty;
  if (!(stability instanceof StabilityAnalyzer)) return { ...empty, stabilityError: `stability data not available: ${stability.error}` };
  if (!Number.isFinite(energy)) return { ...empty, stabilityError: 'no finite energy' };
  try {
    const r = stability.energyAboveHull(structure, energy);
    return {
      correctedEnergy: r.energy,
      formationEnergyPerAtom: r.formationEnergyPerAtom,
      eHull: r.eHull,
      decomposition: r.decomposition.map((phase) => ({ formula: phase.formula, id: phase.id, fraction: phase.fraction })),
    };
  } catch (error) {
    return { ...empty, stabilityError: errorLine(error) };
  }
}

/** The space group at `symprec`, or null when the analysis fails (e.g. overlapping atoms). */
export function spaceGroupOf(structure: Structure, symprec: number): number | null {
  try {
    return analyzeStructure(structure, { symprec }).spaceGroup;
  } catch {
    return null;
  }
}

/** The symmetrized CIF of a structure at `symprec`, or a P1 CIF when its symmetry cannot be found. */
export function structureCif(structure: Structure, symprec: number, dataName: string): string {
  try {
    return writeSymmetrizedCif(analyzeStructure(structure, { symprec }).description, { dataName });
  } catch {
    return writeCifP1(structure, { dataName });
  }
}

/**
 * RMS displacement (Å) between two structures with the same sites in the same order: fractional displacements
 * (nearest image) expressed in `after`'s cell, so a cell that only scales or shears with the atoms gives 0.
 */
export function rmsDisplacement(before: Structure, after: Structure): number {
  if (before.numSites !== after.numSites) throw new Error(`rmsDisplacement: ${before.numSites} vs ${after.numSites} sites`);
  if (after.numSites === 0) return 0;
  let sum = 0;
  after.sites.forEach((site, i) => {
    const d = site.frac.map((x, k) => {
      const delta = x - before.sites[i]!.frac[k]!;
      return delta - Math.round(delta);
    }) as Vec3;
    const cart = after.lattice.getCartesianCoords(d);
    sum += cart[0] ** 2 + cart[1] ** 2 + cart[2] ** 2;
  });
  return Math.sqrt(sum / after.numSites);
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

export function singlePointRecord(file: string, structure: Structure, result: PotentialResult, context: { symprec: number; stability?: StabilityAnalyzer | { error: string } }): SinglePointRecord {
  const forces: Vec3[] = [];
  let maxForce = 0;
  for (let i = 0; i < structure.numSites; i++) {
    const f: Vec3 = [result.forces![3 * i]!, result.forces![3 * i + 1]!, result.forces![3 * i + 2]!];
    forces.push(f);
    maxForce = Math.max(maxForce, Math.hypot(...f));
  }
  const stressGPa = result.stress!.map((row) => row.map((s) => s * EV_PER_A3_TO_GPA)) as Mat3;
  return {
    file,
    formula: formulaOf(structure),
    atoms: structure.numSites,
    energy: result.energy,
    energyPerAtom: result.energy / structure.numSites,
    forces,
    maxForce,
    stressGPa,
    pressureGPa: -(stressGPa[0][0] + stressGPa[1][1] + stressGPa[2][2]) / 3,
    spaceGroup: spaceGroupOf(structure, context.symprec),
    ...stabilityRecord(context.stability, structure, result.energy),
  };
}

export function relaxationRecord(
  file: string,
  input: Structure,
  result: RelaxResult,
  context: { symprec: number; output: string | null; stability?: StabilityAnalyzer | { error: string } },
): RelaxationRecord {
  const evaluated = result.trajectory.length > 0;
  const final = result.structure;
  return {
    file,
    output: context.output,
    formula: formulaOf(input),
    atoms: input.numSites,
    status: result.status,
    converged: result.status === 'converged',
    ...(result.message !== undefined ? { message: result.message } : {}),
    steps: result.steps,
    fmax: finiteOrNull(result.fmax),
    initialEnergy: evaluated ? finiteOrNull(result.trajectory[0]!.energy) : null,
    energy: evaluated ? finiteOrNull(result.energy) : null,
    energyPerAtom: evaluated ? finiteOrNull(result.energy / input.numSites) : null,
    volumeChange: evaluated ? final.volume / input.volume - 1 : null,
    rmsd: evaluated ? rmsDisplacement(input, final) : null,
    spaceGroupBefore: spaceGroupOf(input, context.symprec),
    spaceGroupAfter: evaluated && result.status !== 'exploded' ? spaceGroupOf(final, context.symprec) : null,
    spaceGroupKept: result.symmetry?.spaceGroup ?? null,
    ...(result.status === 'converged' || result.status === 'not-converged' ? stabilityRecord(context.stability, final, result.energy) : stabilityRecord(undefined, final, NaN)),
    ...(result.warnings.length ? { warnings: result.warnings } : {}),
  };
}

function formulaOf(structure: Structure): string {
  return Composition.fromStructure(structure).reducedFormula;
}
