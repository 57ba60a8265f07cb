/**
 * Single-point stability scores for many structures at once: the potential's energy (no forces or stress — the
 * cheap forward pass), then the MP2020-corrected formation energy and E_hull against the partial reference hull
 * (electron/stability), exactly as `cfstudio energy` reports them. Used where crystals are scored in bulk (the
 * 'generate' job's E_hull toggle, the 'energy' job's save to the library).
 */
import type { Structure } from '../../shared/crystal/structure.ts';
import { errorLine } from '../../shared/text/safe-text.ts';
import type { Potential } from '../engine/potential/types.ts';
import type { StabilityAnalyzer } from '../stability/index.ts';
import type { JsonObject, StructureStability } from '../library/index.ts';
import { stabilityRecord } from './records.ts';

export type SinglePointScore =
  | { ok: true; energyPerAtom: number; eHull: number | null; formationEnergyPerAtom: number | null; decomposition: { formula: string; id: string; fraction: number }[] | null; stabilityError?: string }
  | { ok: false; error: string };

/** The elements of `structure` the potential does not know, or an empty list. */
export function unknownElements(potential: Potential, structure: Structure): string[] {
  return [...new Set(structure.species)].filter((e) => !potential.elements.has(e));
}

/**
 * Scores each structure (null: nothing to score, reported as such). Structures go to the potential in one batched
 * call; when that call fails, each is tried alone so one bad crystal does not take the others' scores with it.
 */
export async function singlePointScores(
  potential: Potential,
  stability: StabilityAnalyzer | { error: string },
  structures: readonly (Structure | null)[],
): Promise<SinglePointScore[]> {
  const scores: SinglePointScore[] = structures.map(() => ({ ok: false, error: 'not built' }));
  const todo: number[] = [];
  structures.forEach((structure, i) => {
    if (!structure) return;
    const unknown = unknownElements(potential, structure);
    if (unknown.length) scores[i] = { ok: false, error: `${potential.name} does not know ${unknown.join(', ')}` };
    else todo.push(i);
  });
  const energies = new Map<number, number>();
  try {
    const results = await potential.compute(todo.map((i) => structures[i]!), { forces: false, stress: false });
    todo.forEach((i, k) => energies.set(i, results[k]!.energy));
  } catch {
    for (const i of todo) {
      try {
        energies.set(i, (await potential.compute([structures[i]!], { forces: false, stress: false }))[0]!.energy);
      } catch (error) {
        scores[i] = { ok: false, error: errorLine(error) };
      }
    }
  }
  for (const [i, energy] of energies) {
    const structure = structures[i]!;
    if (!Number.isFinite(energy)) {
      scores[i] = { ok: false, error: 'the potential gave no finite energy' };
      continue;
    }
    const record = stabilityRecord(stability, structure, energy);
    scores[i] = {
      ok: true,
      energyPerAtom: energy / structure.numSites,
      eHull: record.eHull,
      formationEnergyPerAtom: record.formationEnergyPerAtom,
      decomposition: record.decomposition,
      ...(record.stabilityError !== undefined ? { stabilityError: record.stabilityError } : {}),
    };
  }
  return scores;
}

/** A single-point score as a library row stores it (null when there is no energy to store). */
export function singlePointStability(score: SinglePointScore, potentialName: string, hullNote: string): StructureStability | null {
  if (!score.ok) return null;
  const details: JsonObject = { potential: potentialName, hullReference: hullNote };
  if (score.decomposition) details['decomposition'] = score.decomposition;
  if (score.stabilityError !== undefined) details['stabilityError'] = score.stabilityError;
  return { kind: 'single-point', eHull: score.eHull, energyPerAtom: score.energyPerAtom, formationEnergyPerAtom: score.formationEnergyPerAtom, details };
}
