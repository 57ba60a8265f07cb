import { writeFile } from 'node:fs/promises';
import { type Command, UserError, numberOption, stringOption } from '../command.ts';
import { DEFAULT_SYMPREC } from '../../../shared/symmetry/analyze.ts';
import { writeCifP1, writeExtendedXyz, writePoscar, writeSymmetrizedCif } from '../../../shared/io/index.ts';
import { SYMPREC_OPTION, analyzeForCli, loadStructureForCli } from './inspect.ts';

const TARGETS = ['cif', 'cif-p1', 'poscar', 'xyz'] as const;
type Target = (typeof TARGETS)[number];

export const convertCommand: Command = {
  path: ['convert'],
  summary: 'convert a CIF or POSCAR to a symmetrized CIF, P1 CIF, POSCAR or extended XYZ',
  positionals: 'IN',
  options: {
    to: { type: 'string', description: `output format: ${TARGETS.join(', ')} (cif = symmetrized: space group + one atom per Wyckoff orbit)`, valueName: 'FORMAT' },
    output: { type: 'string', short: 'o', description: 'output file (default: standard output)', valueName: 'OUT' },
    symprec: SYMPREC_OPTION,
    'allow-partial': { type: 'boolean', description: 'read partially occupied CIF sites as full atoms (reported as warnings)' },
  },
  async run(values, positionals, ctx) {
    const path = positionals[0];
    if (!path) throw new UserError('convert needs an input file IN (CIF or POSCAR)');
    if (positionals.length > 1) throw new UserError(`convert takes one input file, got ${positionals.length}`);
    const to = stringOption(values, 'to');
    if (!to) throw new UserError(`--to is required (${TARGETS.join(', ')})`);
    if (!(TARGETS as readonly string[]).includes(to)) throw new UserError(`--to must be one of ${TARGETS.join(', ')}, got '${to}'`);
    const target = to as Target;
    const symprec = numberOption(values, 'symprec', DEFAULT_SYMPREC, 1e-6, 1);
    const loaded = await loadStructureForCli(path, { allowPartialOccupancy: values['allow-partial'] === true });
    for (const warning of loaded.warnings) ctx.log(`warning: ${path}: ${warning}`);
    const dataName = loaded.format === 'cif' ? loaded.name : undefined;
    let text: string;
    switch (target) {
      case 'cif': {
        const analysis = analyzeForCli(path, loaded, symprec);
        text = writeSymmetrizedCif(analysis.description, dataName ? { dataName } : {});
        ctx.log(`space group ${analysis.spaceGroup} ${analysis.symbol}, ${analysis.description.sites.length} Wyckoff site(s)`);
        break;
      }
      case 'cif-p1':
        text = writeCifP1(loaded.structure, dataName ? { dataName } : {});
        break;
      case 'poscar':
        text = writePoscar(loaded.structure, loaded.format === 'poscar' ? { comment: loaded.name } : {});
        break;
      case 'xyz':
        text = writeExtendedXyz(loaded.structure);
        break;
    }
    const output = stringOption(values, 'output');
    if (!output) {
      ctx.out(text);
      return;
    }
    try {
      await writeFile(output, text);
    } catch (error) {
      throw new UserError(`${output}: cannot write (${(error as Error).message})`);
    }
    ctx.log(`wrote ${output} (${target})`);
  },
};
