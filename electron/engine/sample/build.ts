/**
 * Building one sampled token sequence into a crystal: orbit expansion, lattice from the crystal-system rules,
 * structural validity, the space group found by symmetry analysis of the built structure, a symmetrized CIF, and the
 * record (one line of samples.jsonl) with the tokens and per-type log-probabilities. Writing is sample-writer.ts;
 * the whole workflow (sampling, building, writing) is generate.ts.
 */
import { Composition } from '../../../shared/crystal/composition.ts';
import type { Structure } from '../../../shared/crystal/structure.ts';
import { type CifWriteOptions, writeSymmetrizedCif } from '../../../shared/io/cif-writer.ts';
import { readCifStructure } from '../../../shared/io/cif.ts';
import { type SymmetryAnalysis, type WyckoffDescription, buildStructure, wyckoffSequenceLabel } from '../../../shared/symmetry/analyze.ts';
import { structuralValidity } from '../../../shared/crystal/validity.ts';
import { analyzeStructureBounded, detectSpaceGroupBounded } from '../../symmetry/bounded.ts';
import { primitiveOfCentredCell } from '../../../shared/symmetry/primitive.ts';
import { EVALUATION_SYMPREC } from '../../../shared/symmetry/tolerance.ts';
import { getSpaceGroup } from '../../../shared/symmetry/spacegroups.ts';
import { decodeCrystal, indexToLetter } from '../../../shared/tokens/index.ts';
import { elementSymbol } from '../../../shared/crystal/elements.ts';
import type { SampledCrystal } from './sampler.ts';

/** What generation records about one sample (one line of samples.jsonl). */
export interface SampleRecord {
  index: number;
  /** CIF file name in the output folder, or null when the crystal could not be built or its CIF would not read back (`cifSkipped`). */
  file: string | null;
  spaceGroupRequested: number;
  /** Space group of the built structure (moyo, symprec 0.1 Å); null when the structure is not structurally valid or analysis failed. */
  spaceGroupFound: number | null;
  /**
   * The space group the CIF declares: the one found when it differs from the requested one (the crystal is then
   * written symmetrized in the group found, in that group's standard cell, atoms moved by at most symprec, and the
   * file names the requested group in `_cfstudio_requested_space_group`), otherwise the requested one; null when
   * no CIF was written.
   */
  spaceGroupWritten: number | null;
  /** Why no CIF was written for a crystal that was built (e.g. it would not read back: atoms on one position). */
  cifSkipped?: string;
  /** Structural validity (all interatomic distances ≥ 0.5 Å, volume ≥ 0.1 Å³) and the shortest distance in Å. */
  structurallyValid: boolean;
  minDistance: number | null;
  formula: string | null;
  wyckoffLabel: string | null;
  numSites: number;
  numAtoms: number | null;
  lattice: WyckoffDescription['lattice'] | null;
  sites: { letter: string; element: string; frac: [number, number, number] }[];
  tokens: { wyckoff: number[]; atoms: number[]; coords: number[][]; latticeNormalized: number[] };
  logp: SampledCrystal['logp'];
  error?: string;
}

export interface BuiltSample {
  record: SampleRecord;
  description: WyckoffDescription | null;
  structure: Structure | null;
  cif: string | null;
}

/**
 * Turn a sampled token sequence into a structure, a CIF and its record. Never throws: failures go into `error`.
 * `symprec: null` skips the symmetry analysis of the built structure (spaceGroupFound stays null) where only the
 * structure is needed, e.g. to score RL samples.
 */
export function buildSample(sample: SampledCrystal, index: number, symprec: number | null = EVALUATION_SYMPREC): BuiltSample {
  const n = sample.numSites;
  const record: SampleRecord = {
    index,
    file: null,
    spaceGroupRequested: sample.spaceGroup,
    spaceGroupFound: null,
    spaceGroupWritten: null,
    structurallyValid: false,
    minDistance: null,
    formula: null,
    wyckoffLabel: null,
    numSites: n,
    numAtoms: null,
    lattice: null,
    sites: [],
    tokens: {
      wyckoff: Array.from(sample.wyckoff.subarray(0, n)),
      atoms: Array.from(sample.atoms.subarray(0, n)),
      coords: Array.from({ length: n }, (_, i) => [round(sample.coords[3 * i]!), round(sample.coords[3 * i + 1]!), round(sample.coords[3 * i + 2]!)]),
      latticeNormalized: Array.from(sample.lattice, round),
    },
    logp: sample.logp,
  };
  for (let i = 0; i < n; i++) {
    record.sites.push({ letter: indexToLetter(sample.wyckoff[i]!), element: elementSymbol(sample.atoms[i]!), frac: record.tokens.coords[i] as [number, number, number] });
  }
  let description: WyckoffDescription | null = null;
  let structure: Structure | null = null;
  let cif: string | null = null;
  try {
    description = decodeCrystal({ spaceGroup: sample.spaceGroup, wyckoff: sample.wyckoff, atoms: sample.atoms, coords: sample.coords, lattice: sample.lattice, numSites: n });
    record.lattice = description.lattice;
    record.wyckoffLabel = wyckoffSequenceLabel(description);
    structure = buildStructure(description);
    record.numAtoms = structure.numSites;
    record.formula = Composition.fromStructure(structure).reducedFormula;
    const validity = structuralValidity(structure);
    record.structurallyValid = validity.valid;
    record.minDistance = Number.isFinite(validity.minDistance) ? round(validity.minDistance) : null;
    let declared: { description: WyckoffDescription; atoms: number } = { description, atoms: structure.numSites };
    const cifOptions: CifWriteOptions = { dataName: `${record.formula}_${String(index).padStart(6, '0')}` };
    // Overlapping atoms or collapsed cells can make moyo run for a very long time; such crystals are invalid
    // anyway, and the analysis of the rest runs under a time limit. moyo gets the primitive cell of the built
    // (conventional) cell: the same crystal with 1/2–1/4 of the atoms in centred groups, so analysed faster
    // (`npm run bench:sample`, "halves alone", measures building).
    if (validity.valid && symprec !== null) {
      const primitive = primitiveOfCentredCell(structure, getSpaceGroup(description.spaceGroup).centering);
      record.spaceGroupFound = spaceGroupWithTimeout(primitive, symprec);
      // The crystal has more symmetry than requested at this tolerance: declare the group it has. The full analysis
      // (a second moyo call) runs only for these, not for the large majority that keep the requested group.
      if (record.spaceGroupFound !== null && record.spaceGroupFound !== sample.spaceGroup) {
        const analysis = analysisWithTimeout(primitive, symprec);
        if (analysis && analysis.spaceGroup === record.spaceGroupFound) {
          declared = { description: analysis.description, atoms: analysis.conventional.numSites };
          cifOptions.comments = [
            `space group requested: ${sample.spaceGroup} (${getSpaceGroup(sample.spaceGroup).symbol}); found at symprec ${symprec} A: ${analysis.spaceGroup} (${analysis.symbol}), declared below`,
          ];
          cifOptions.extraItems = [
            [REQUESTED_SPACE_GROUP_TAG, sample.spaceGroup],
            ['_cfstudio_symprec', symprec],
          ];
        }
      }
    }
    const text = writeSymmetrizedCif(declared.description, cifOptions);
    // A structurally valid crystal written in its own group reads back by construction (no two atoms within 0.5 Å,
    // far above the reader's 0.01 Å merge distance; the writer/reader pair is tested on all 230 groups), so only
    // the others are read back: reading back costs a sizeable part of building a crystal (`npm run bench:cif-parse`).
    const problem = validity.valid && declared.description === description ? null : readBackProblem(text, declared.atoms);
    if (problem === null) {
      cif = text;
      record.spaceGroupWritten = declared.description.spaceGroup;
    } else {
      record.cifSkipped = problem;
    }
  } catch (error) {
    record.error = (error as Error).message;
  }
  return { record, description, structure, cif };
}

const SPACE_GROUP_TIMEOUT_MS = 5000;

/** CIF data item of a generated crystal naming the space group requested from the model, when the file declares another. */
export const REQUESTED_SPACE_GROUP_TAG = '_cfstudio_requested_space_group';

/**
 * Never write what we cannot read back: null when our own reader reads `text` as `atoms` atoms, otherwise why not.
 * Crystals with two different elements on one position (the sampler can draw a free coordinate onto a special
 * position) are rejected by every CIF reader that does not model disorder, so they get no file; their tokens are in
 * samples.jsonl.
 */
function readBackProblem(text: string, atoms: number): string | null {
  try {
    const read = readCifStructure(text);
    if (read.structure.numSites !== atoms) return `not written: the CIF would read back as ${read.structure.numSites} atoms, not ${atoms} (atoms on one position)`;
    return null;
  } catch (error) {
    return `not written: the CIF would not read back (${(error as Error).message})`;
  }
}

/** Full symmetry analysis (the description in the group found) under the time limit, or null. */
function analysisWithTimeout(structure: Structure, symprec: number): SymmetryAnalysis | null {
  try {
    return analyzeStructureBounded(structure, { symprec, timeLimitMs: SPACE_GROUP_TIMEOUT_MS });
  } catch {
    return null;
  }
}

/** The space group of a built structure (spglib's symprec meaning), or null when moyo fails or runs out of time. */
export function spaceGroupWithTimeout(structure: Structure, symprec: number): number | null {
  // symprec with spglib's meaning, as everywhere else (shared/symmetry/tolerance.ts).
  return detectSpaceGroupBounded(structure, symprec, SPACE_GROUP_TIMEOUT_MS);
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
