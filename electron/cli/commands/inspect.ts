import { readFile } from 'node:fs/promises';
import { type Command, BATCH_EXIT_NOTE, STRICT_OPTION, UserError, batchExitCode, numberOption, runInputsForCli } from '../command.ts';
import { failureReportLines } from '../../../shared/batch/each-input.ts';
import { safeMessageLine } from '../../../shared/text/safe-text.ts';
import { Composition } from '../../../shared/crystal/composition.ts';
import { atomicMass } from '../../../shared/crystal/elements.ts';
import { CifError } from '../../../shared/io/cif.ts';
import { PoscarError } from '../../../shared/io/poscar.ts';
import { type StructureFileResult, readStructureText } from '../../../shared/io/index.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { type SymmetryAnalysis, DEFAULT_SYMPREC, wyckoffSequenceLabel } from '../../../shared/symmetry/analyze.ts';
import { analyzeStructureBounded } from '../../symmetry/bounded.ts';

/**
 * Reads a CIF or POSCAR for a command: a missing file or bad content becomes a one-line UserError that names
 * the file (and, for content errors, the line).
 */
export async function loadStructureForCli(path: string, options: { allowPartialOccupancy?: boolean } = {}): Promise<StructureFileResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${path}: no such file`);
    if (code === 'EISDIR') throw new UserError(`${path}: is a directory, not a structure file`);
    throw new UserError(`${path}: cannot read (${(error as Error).message})`);
  }
  // A binary file (NUL bytes never occur in CIF or POSCAR text) gets a plain reason, not a parser's guess.
  if (text.includes('\0')) throw new UserError(`${path}: binary file, not a CIF or POSCAR text file`);
  await initSymmetry();
  try {
    return readStructureText(text, { fileName: path, ...(options.allowPartialOccupancy ? { allowPartialOccupancy: true } : {}) });
  } catch (error) {
    if (error instanceof CifError || error instanceof PoscarError) throw new UserError(error.message.split('\n')[0]!);
    throw new UserError(`${path}: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** Symmetry analysis for a command; failures name the file. */
export function analyzeForCli(path: string, loaded: StructureFileResult, symprec: number): SymmetryAnalysis {
  try {
    return analyzeStructureBounded(loaded.structure, { symprec });
  } catch (error) {
    throw new UserError(`${path}: symmetry analysis failed: ${(error as Error).message.split('\n')[0]}`);
  }
}

export const SYMPREC_OPTION = {
  type: 'string',
  description: `symmetry tolerance in Å for the space-group analysis (default ${DEFAULT_SYMPREC})`,
  valueName: 'Å',
} as const;

type InspectReport = ReturnType<typeof inspectReport>;

/** What `cfstudio inspect` says about one structure file. */
function inspectReport(path: string, loaded: StructureFileResult, analysis: SymmetryAnalysis, symprec: number) {
  const { structure } = loaded;
  const composition = Composition.fromStructure(structure);
  const { formula: reduced, factor } = composition.reducedFormulaAndFactor;
  const p = structure.lattice.parameters;
  return {
    file: path,
    format: loaded.format,
    name: loaded.name,
    formula: { reduced, hill: composition.hillFormula, formulaUnits: factor },
    spaceGroup: { number: analysis.spaceGroup, symbol: analysis.symbol },
    crystalSystem: analysis.crystalSystem,
    wyckoffSequence: wyckoffSequenceLabel(analysis.description),
    lattice: { a: p.a, b: p.b, c: p.c, alpha: p.alpha, beta: p.beta, gamma: p.gamma, volume: structure.volume },
    conventionalLattice: analysis.description.lattice,
    density: structure.densityFrom(atomicMass),
    numAtoms: structure.numSites,
    symprec,
    warnings: loaded.warnings,
  };
}

function inspectText(report: InspectReport): string {
  const f = (x: number, digits = 4) => x.toFixed(digits);
  const p = report.lattice;
  const c = report.conventionalLattice;
  const safe = (text: string) => safeMessageLine(text, 500);
  return [
    `file            ${safe(report.file)} (${report.format === 'cif' ? `CIF, block data_${safe(report.name)}` : 'POSCAR'})`,
    `formula         ${report.formula.reduced} (reduced, Z = ${report.formula.formulaUnits}); Hill ${report.formula.hill}`,
    `space group     ${report.spaceGroup.number} ${report.spaceGroup.symbol} (${report.crystalSystem}; symprec ${report.symprec} Å)`,
    `Wyckoff         ${report.wyckoffSequence}`,
    `lattice         a ${f(p.a)}  b ${f(p.b)}  c ${f(p.c)} Å   α ${f(p.alpha, 3)}  β ${f(p.beta, 3)}  γ ${f(p.gamma, 3)}°`,
    `conventional    a ${f(c.a)}  b ${f(c.b)}  c ${f(c.c)} Å   α ${f(c.alpha, 3)}  β ${f(c.beta, 3)}  γ ${f(c.gamma, 3)}°`,
    `volume          ${f(p.volume, 3)} Å³`,
    `density         ${f(report.density)} g/cm³`,
    `atoms           ${report.numAtoms}`,
    ...report.warnings.map((w) => `warning         ${safe(w)}`),
  ].join('\n');
}

export const inspectCommand: Command = {
  path: ['inspect'],
  summary: 'show formula, space group, Wyckoff sequence, lattice and density of CIF or POSCAR files',
  positionals: 'FILE...',
  notes: `${BATCH_EXIT_NOTE} With one FILE, --json prints its report object; with several, {"reports": [...], "failed": [{"file", "error"}]}.`,
  options: {
    json: { type: 'boolean', description: 'print the result as JSON' },
    symprec: SYMPREC_OPTION,
    'allow-partial': { type: 'boolean', description: 'read partially occupied CIF sites as full atoms (reported as warnings)' },
    strict: STRICT_OPTION,
  },
  async run(values, positionals, ctx) {
    if (positionals.length === 0) throw new UserError('inspect needs a FILE (CIF or POSCAR)');
    const symprec = numberOption(values, 'symprec', DEFAULT_SYMPREC, 1e-6, 1);
    const allowPartialOccupancy = values['allow-partial'] === true;
    const outcome = await runInputsForCli(
      positionals,
      async (path) => {
        const loaded = await loadStructureForCli(path, { allowPartialOccupancy });
        return inspectReport(path, loaded, analyzeForCli(path, loaded, symprec), symprec);
      },
      { name: (path) => path, strict: values.strict === true },
    );
    const reports = outcome.succeeded.map((s) => s.value);
    if (values.json) {
      ctx.out(JSON.stringify(positionals.length === 1 ? reports[0] : { reports, failed: outcome.failures }, null, 2) + '\n');
    } else {
      const failures = failureReportLines(outcome.failures, outcome.total);
      ctx.out([...reports.map(inspectText), ...(failures.length ? [failures.join('\n')] : [])].join('\n\n') + '\n');
    }
    return batchExitCode(ctx, outcome);
  },
};
