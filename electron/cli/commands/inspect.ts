import { readFile } from 'node:fs/promises';
import { type Command, UserError, numberOption } from '../command.ts';
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

export const inspectCommand: Command = {
  path: ['inspect'],
  summary: 'show formula, space group, Wyckoff sequence, lattice and density of a CIF or POSCAR file',
  positionals: 'FILE',
  options: {
    json: { type: 'boolean', description: 'print the result as JSON' },
    symprec: SYMPREC_OPTION,
    'allow-partial': { type: 'boolean', description: 'read partially occupied CIF sites as full atoms (reported as warnings)' },
  },
  async run(values, positionals, ctx) {
    const path = positionals[0];
    if (!path) throw new UserError('inspect needs a FILE (CIF or POSCAR)');
    if (positionals.length > 1) throw new UserError(`inspect takes one FILE, got ${positionals.length}`);
    const symprec = numberOption(values, 'symprec', DEFAULT_SYMPREC, 1e-6, 1);
    const loaded = await loadStructureForCli(path, { allowPartialOccupancy: values['allow-partial'] === true });
    const { structure } = loaded;
    const analysis = analyzeForCli(path, loaded, symprec);
    const composition = Composition.fromStructure(structure);
    const { formula: reduced, factor } = composition.reducedFormulaAndFactor;
    const p = structure.lattice.parameters;
    const report = {
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
    if (values.json) {
      ctx.out(JSON.stringify(report, null, 2) + '\n');
      return;
    }
    const f = (x: number, digits = 4) => x.toFixed(digits);
    const c = report.conventionalLattice;
    const lines = [
      `file            ${path} (${loaded.format === 'cif' ? `CIF, block data_${loaded.name}` : 'POSCAR'})`,
      `formula         ${reduced} (reduced, Z = ${factor}); Hill ${composition.hillFormula}`,
      `space group     ${analysis.spaceGroup} ${analysis.symbol} (${analysis.crystalSystem}; symprec ${symprec} Å)`,
      `Wyckoff         ${report.wyckoffSequence}`,
      `lattice         a ${f(p.a)}  b ${f(p.b)}  c ${f(p.c)} Å   α ${f(p.alpha, 3)}  β ${f(p.beta, 3)}  γ ${f(p.gamma, 3)}°`,
      `conventional    a ${f(c.a)}  b ${f(c.b)}  c ${f(c.c)} Å   α ${f(c.alpha, 3)}  β ${f(c.beta, 3)}  γ ${f(c.gamma, 3)}°`,
      `volume          ${f(structure.volume, 3)} Å³`,
      `density         ${f(report.density)} g/cm³`,
      `atoms           ${structure.numSites}`,
      ...loaded.warnings.map((w) => `warning         ${w}`),
    ];
    ctx.out(lines.join('\n') + '\n');
  },
};
