/**
 * The reward terms scored by the interatomic potential (`potential_ehull`, `energy_per_atom`; the spec is in
 * shared/api/reward-potential-terms.ts): one potential call on the whole RL batch (or one per FIRE step with
 * `relaxSteps`), shared by every term that asks for the same potential and relaxation, then — for E_hull — the
 * MP2020 corrections and the partial reference hull, the same code `cfstudio energy` / `cfstudio relax` report with
 * (electron/screening/records.ts `stabilityRecord`).
 */
import { resolve } from 'node:path';
import type { Structure } from '../../shared/crystal/structure.ts';
import { errorLine } from '../../shared/text/safe-text.ts';
import { formatPath, type PotentialTerm } from '../../shared/api/reward-spec.ts';
import { defaultPotentialDir, loadPotential } from '../engine/potential/load.ts';
import { EXPLODED_MIN_DISTANCE, closestContactBelow, relaxStructures } from '../engine/potential/relax.ts';
import type { Potential } from '../engine/potential/types.ts';
import { StabilityAnalyzer } from '../stability/index.ts';
import type { CandidateInput } from './types.ts';

/** What a potential term returns for a batch: one value per candidate (NaN where it failed) and why. */
export interface PotentialTermValues {
  values: Float64Array;
  /** Candidates without a value because the potential, the relaxation or the hull failed on them. */
  errors: number;
  messages: string[];
}

/** The potential's verdict on each candidate of a batch (NaN energy where it failed). */
interface BatchEnergies {
  /** eV, whole cell. */
  energy: Float64Array;
  /** The structure the energy belongs to (the relaxed one with relaxSteps > 0). */
  structures: Structure[];
  /** Per candidate: why there is no energy. */
  failure: (string | undefined)[];
}

export interface PotentialTermSetup {
  /** Relative `potential` folders resolve against this (the spec file's folder). */
  baseDir: string;
  /** onnxruntime threads of M3GNet (default 1). */
  threads?: number;
}

/**
 * Owns the potentials and the stability data for one reward function: each potential folder is loaded once, and
 * each batch is computed once per (potential, relaxSteps, keepSymmetry), whichever terms ask for it.
 */
export class PotentialTermResources {
  private readonly potentials = new Map<string, Promise<Potential>>();
  private stability: Promise<StabilityAnalyzer> | undefined;
  /** Keyed by the batch's candidate array (the evaluator passes the same array to every term of a batch). */
  private readonly batches = new WeakMap<readonly CandidateInput[], Map<string, Promise<BatchEnergies>>>();

  constructor(private readonly setup: PotentialTermSetup) {}

  /** Loads what `term` needs; throws a one-line error naming the term's JSON path when it cannot. */
  async compile(term: PotentialTerm, path: readonly (string | number)[]): Promise<(candidates: readonly CandidateInput[]) => Promise<PotentialTermValues>> {
    const dir = term.potential !== undefined ? resolve(this.setup.baseDir, term.potential) : defaultPotentialDir();
    let potential: Potential;
    try {
      potential = await this.potential(dir);
    } catch (error) {
      throw new Error(`${formatPath([...path, 'potential'])}: ${errorLine(error)}`);
    }
    let stability: StabilityAnalyzer | undefined;
    if (term.kind === 'potential_ehull') {
      try {
        stability = await (this.stability ??= StabilityAnalyzer.load());
      } catch (error) {
        this.stability = undefined;
        throw new Error(`${formatPath(path)}: the stability data (MP2020 corrections, elemental references, hull reference) cannot be read: ${errorLine(error)}`);
      }
    }
    const relaxSteps = term.relaxSteps ?? 0;
    const keepSymmetry = term.keepSymmetry ?? true;
    const key = `${dir}\u0000${relaxSteps}\u0000${keepSymmetry}`;
    return async (candidates) => {
      let perBatch = this.batches.get(candidates);
      if (!perBatch) this.batches.set(candidates, (perBatch = new Map()));
      let pending = perBatch.get(key);
      if (!pending) perBatch.set(key, (pending = batchEnergies(potential, candidates, relaxSteps, keepSymmetry)));
      const energies = await pending;
      const result: PotentialTermValues = { values: new Float64Array(candidates.length).fill(NaN), errors: 0, messages: [] };
      const fail = (message: string) => {
        result.errors++;
        if (result.messages.length < 10 && !result.messages.includes(message)) result.messages.push(message);
      };
      candidates.forEach((_, i) => {
        const failure = energies.failure[i];
        if (failure !== undefined) return fail(failure);
        const structure = energies.structures[i]!;
        const energy = energies.energy[i]!;
        if (!stability) {
          result.values[i] = energy / structure.numSites;
          return;
        }
        try {
          result.values[i] = stability.energyAboveHull(structure, energy).eHull;
        } catch (error) {
          fail(`E_hull: ${errorLine(error)}`);
        }
      });
      return result;
    };
  }

  async close(): Promise<void> {
    const opened = [...this.potentials.values()];
    this.potentials.clear();
    await Promise.all(opened.map(async (p) => (await p.catch(() => undefined))?.close()));
  }

  private potential(dir: string): Promise<Potential> {
    let pending = this.potentials.get(dir);
    if (!pending) {
      pending = loadPotential(dir, this.setup.threads !== undefined ? { threads: this.setup.threads } : {});
      this.potentials.set(dir, pending);
      pending.catch(() => this.potentials.delete(dir));
    }
    return pending;
  }
}

async function batchEnergies(potential: Potential, candidates: readonly CandidateInput[], relaxSteps: number, keepSymmetry: boolean): Promise<BatchEnergies> {
  const n = candidates.length;
  const out: BatchEnergies = { energy: new Float64Array(n).fill(NaN), structures: candidates.map((c) => c.structure), failure: new Array(n).fill(undefined) };
  // Elements the potential does not know fail alone, by name, and so do overlapping atoms: the potential cannot judge
  // them, and a few atoms squeezed into a tiny cell make a graph of tens of millions of triples (a generated MgO3 of 32
  // atoms in 7 Å³ ran `cfstudio energy` out of memory), which would take the whole RL batch down with it.
  const known: number[] = [];
  candidates.forEach((c, i) => {
    const unknown = [...new Set(c.structure.species)].filter((e) => !potential.elements.has(e));
    const contact = unknown.length ? Infinity : closestContactBelow(c.structure, EXPLODED_MIN_DISTANCE);
    // The potential's own refusal (e.g. atoms packed beyond what its three-body graph holds) would otherwise throw
    // for the whole call, and the whole RL batch would score the penalty.
    const refusal = unknown.length || contact < EXPLODED_MIN_DISTANCE ? undefined : potential.refusal?.(c.structure);
    if (unknown.length) out.failure[i] = `${potential.name} does not know ${unknown.join(', ')}`;
    else if (contact < EXPLODED_MIN_DISTANCE) out.failure[i] = `two atoms are ${contact.toFixed(3)} Å apart (below ${EXPLODED_MIN_DISTANCE} Å): not scored by the potential`;
    else if (refusal) out.failure[i] = `${potential.name}: ${refusal}`;
    else known.push(i);
  });
  if (known.length === 0) return out;
  const structures = known.map((i) => candidates[i]!.structure);
  try {
    if (relaxSteps === 0) {
      // Energy only: no gradients needed for a single point.
      const results = await potential.compute(structures, { forces: false, stress: false });
      known.forEach((i, k) => (out.energy[i] = results[k]!.energy));
    } else {
      const results = await relaxStructures(potential, structures, { maxSteps: relaxSteps, keepSymmetry });
      known.forEach((i, k) => {
        const r = results[k]!;
        if (r.status === 'converged' || r.status === 'not-converged') {
          out.energy[i] = r.energy;
          out.structures[i] = r.structure;
        } else out.failure[i] = `relaxation ${r.status}${r.message !== undefined ? `: ${r.message}` : ''}`;
      });
    }
  } catch (error) {
    const message = `${potential.name} failed on the batch: ${errorLine(error)}`;
    for (const i of known) out.failure[i] = message;
  }
  known.forEach((i) => {
    if (out.failure[i] === undefined && !Number.isFinite(out.energy[i]!)) out.failure[i] = `${potential.name} returned a non-finite energy`;
  });
  return out;
}

/** One line for `cfstudio reward check`. */
export function describePotentialTerm(term: PotentialTerm): string {
  const what = term.kind === 'potential_ehull' ? 'E_hull (MP2020-corrected, partial reference hull)' : 'energy per atom (uncorrected)';
  const where = (term.relaxSteps ?? 0) === 0 ? 'single point on the generated structure' : `after ${term.relaxSteps} FIRE steps${term.keepSymmetry === false ? '' : ', space group kept'}`;
  return `potential ${what}, ${where}, potential ${term.potential ?? 'models/potential-m3gnet-mp-2021 (default)'}`;
}
