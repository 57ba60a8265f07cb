/**
 * What the sampling jobs ('generate', 'mcmc') do with each crystal the engine's SampleWriter has built: store it
 * as a library row (CIF, tokens, log-probability, validity) and describe it for the UI. Shared so that generated
 * and MCMC crystals look the same in the library.
 */
import type { GeneratedCandidate, StructureData } from '../../../shared/api/jobs.ts';
import { MIN_INTERATOMIC_DISTANCE } from '../../../shared/api/jobs.ts';
import type { Structure } from '../../../shared/crystal/structure.ts';
import type { CrystalPlausibility } from '../../../shared/api/plausibility.ts';
import type { BuiltSample } from '../../engine/sample/build.ts';
import type { Library } from '../../library/index.ts';
import { crystalPlausibility } from '../../library/plausibility.ts';

/** `{ plausibility }` of a built crystal, or nothing for a cell too degenerate to judge. */
function plausibilityOf(structure: Structure): { plausibility?: CrystalPlausibility } {
  try {
    return { plausibility: crystalPlausibility(structure) };
  } catch {
    return {};
  }
}

export function structureData(structure: Structure): StructureData {
  const [a, b, c] = structure.lattice.matrix;
  return {
    lattice: [[a[0], a[1], a[2]], [b[0], b[1], b[2]], [c[0], c[1], c[2]]],
    sites: structure.sites.map((s) => ({ species: s.species, frac: [s.frac[0], s.frac[1], s.frac[2]] as [number, number, number], ...(s.wyckoff ? { wyckoff: s.wyckoff } : {}) })),
  };
}

/** Discrete tokens as stored in the library: space group, then (Wyckoff index, atomic number) per site. */
export function discreteTokens(built: BuiltSample): number[] {
  const { tokens, spaceGroupRequested } = built.record;
  return [spaceGroupRequested, ...tokens.wyckoff.flatMap((w, i) => [w, tokens.atoms[i]!])];
}

/** Whether the built sample is a structure with a CIF that passes the engine's structural check (as evaluation uses it). */
export function isValidSample(built: BuiltSample): boolean {
  return built.structure !== null && built.cif !== null && built.record.structurallyValid;
}

/**
 * Stores one built sample in the library (one commit) and returns its id, or null when the crystal could not be
 * built (nothing stored).
 */
export function storeBuiltSample(library: Library, built: BuiltSample, row: { source: 'generated' | 'mcmc'; runId: number; promptId: number; extraValidity?: Record<string, number | string | boolean | null> }): number | null {
  const { record, structure, cif } = built;
  if (!structure || !cif) return null;
  return library.addStructure({
    structure,
    cif,
    source: row.source,
    name: record.wyckoffLabel ?? `${record.formula ?? 'sample'} #${record.index}`,
    runId: row.runId,
    promptId: row.promptId,
    tokens: discreteTokens(built),
    logProbability: record.logp.total,
    spaceGroupRequested: record.spaceGroupRequested,
    ...(record.spaceGroupFound !== null ? { spaceGroupFound: record.spaceGroupFound } : {}),
    valid: isValidSample(built),
    validity: {
      built: true,
      minDistance: record.minDistance ?? null,
      minDistanceThreshold: MIN_INTERATOMIC_DISTANCE,
      structurallyValid: record.structurallyValid,
      spaceGroupMatched: record.spaceGroupFound === record.spaceGroupRequested,
      logp: { ...record.logp },
      sampleFile: record.file,
      ...(row.extraValidity ?? {}),
    },
  });
}

/** The UI's summary of one built sample (with its library id, or null when not stored). */
export function candidateOf(built: BuiltSample, id: number | null): GeneratedCandidate {
  const { record, structure } = built;
  return {
    index: record.index,
    id,
    formula: record.formula,
    wyckoffLabel: record.wyckoffLabel,
    spaceGroupRequested: record.spaceGroupRequested,
    spaceGroupFound: record.spaceGroupFound,
    numAtoms: record.numAtoms,
    logProbability: record.logp.total,
    built: structure !== null && built.cif !== null,
    minDistance: structure ? record.minDistance : null,
    valid: isValidSample(built),
    structure: structure ? structureData(structure) : null,
    ...(record.error ? { error: record.error } : {}),
    ...(structure ? plausibilityOf(structure) : {}),
  };
}
