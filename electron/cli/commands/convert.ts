import { mkdir, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { type Command, BATCH_EXIT_NOTE, STRICT_OPTION, UserError, batchExitCode, numberOption, runInputsForCli, stringOption } from '../command.ts';
import { failureReportLines } from '../../../shared/batch/each-input.ts';
import { DEFAULT_SYMPREC } from '../../../shared/symmetry/analyze.ts';
import { writeCifP1, writeExtendedXyz, writePoscar, writeSymmetrizedCif } from '../../../shared/io/index.ts';
import { SYMPREC_OPTION, analyzeForCli, loadStructureForCli } from './inspect.ts';
import { checkOutputDirectory, checkOutputFile } from '../output-paths.ts';

const TARGETS = ['cif', 'cif-p1', 'poscar', 'xyz'] as const;
type Target = (typeof TARGETS)[number];

/** File name extension of each target in --out-dir. */
const EXTENSIONS: Record<Target, string> = { cif: '.cif', 'cif-p1': '.cif', poscar: '.vasp', xyz: '.xyz' };

export const convertCommand: Command = {
  path: ['convert'],
  summary: 'convert CIF or POSCAR files to a symmetrized CIF, P1 CIF, POSCAR or extended XYZ',
  positionals: 'IN...',
  notes: `${BATCH_EXIT_NOTE} Several inputs need --out-dir (one file each, named after the input); the text output lists what was written and what failed, --json the same as JSON.`,
  options: {
    to: { type: 'string', description: `output format: ${TARGETS.join(', ')} (cif = symmetrized: space group + one atom per Wyckoff orbit)`, valueName: 'FORMAT' },
    output: { type: 'string', short: 'o', description: 'output file for one input (default: standard output)', valueName: 'OUT' },
    'out-dir': { type: 'string', description: 'output folder for several inputs: DIR/<input name>.cif|.vasp|.xyz', valueName: 'DIR' },
    symprec: SYMPREC_OPTION,
    'allow-partial': { type: 'boolean', description: 'read partially occupied CIF sites as full atoms (reported as warnings)' },
    strict: STRICT_OPTION,
    json: { type: 'boolean', description: 'with --out-dir: print the files written and the inputs that failed as JSON' },
  },
  async run(values, positionals, ctx) {
    if (positionals.length === 0) throw new UserError('convert needs an input file IN (CIF or POSCAR)');
    const to = stringOption(values, 'to');
    if (!to) throw new UserError(`--to is required (${TARGETS.join(', ')})`);
    if (!(TARGETS as readonly string[]).includes(to)) throw new UserError(`--to must be one of ${TARGETS.join(', ')}, got '${to}'`);
    const target = to as Target;
    const symprec = numberOption(values, 'symprec', DEFAULT_SYMPREC, 1e-6, 1);
    const allowPartialOccupancy = values['allow-partial'] === true;
    const output = stringOption(values, 'output');
    const outDir = stringOption(values, 'out-dir');
    if (output && outDir) throw new UserError('give either -o/--output (one input) or --out-dir (several), not both');
    if (positionals.length > 1 && !outDir) throw new UserError(`convert of ${positionals.length} inputs needs --out-dir DIR (one output file each)`);
    if (output) await checkOutputFile(output);
    if (outDir) {
      await checkOutputDirectory(outDir);
      await mkdir(outDir, { recursive: true });
    }

    const convert = async (path: string): Promise<string> => {
      const loaded = await loadStructureForCli(path, { allowPartialOccupancy });
      for (const warning of loaded.warnings) ctx.log(`warning: ${path}: ${warning}`);
      const dataName = loaded.format === 'cif' ? loaded.name : undefined;
      switch (target) {
        case 'cif': {
          const analysis = analyzeForCli(path, loaded, symprec);
          ctx.log(`${positionals.length > 1 ? `${path}: ` : ''}space group ${analysis.spaceGroup} ${analysis.symbol}, ${analysis.description.sites.length} Wyckoff site(s)`);
          return writeSymmetrizedCif(analysis.description, dataName ? { dataName } : {});
        }
        case 'cif-p1':
          return writeCifP1(loaded.structure, dataName ? { dataName } : {});
        case 'poscar':
          return writePoscar(loaded.structure, loaded.format === 'poscar' ? { comment: loaded.name } : {});
        case 'xyz':
          return writeExtendedXyz(loaded.structure);
      }
    };

    if (!outDir) {
      const [path] = positionals as [string];
      const text = await convert(path);
      if (!output) {
        ctx.out(text);
        return 0;
      }
      try {
        await writeFile(output, text);
      } catch (error) {
        throw new UserError(`${output}: cannot write (${(error as Error).message})`);
      }
      ctx.log(`wrote ${output} (${target})`);
      return 0;
    }

    // Several inputs: one file each in outDir; two inputs with the same name would overwrite each other, so the second fails.
    const writtenFrom = new Map<string, string>();
    const outcome = await runInputsForCli(
      positionals,
      async (path) => {
        const stem = basename(path, extname(path)) || basename(path);
        const destination = join(outDir, `${stem}${EXTENSIONS[target]}`);
        const earlier = writtenFrom.get(destination);
        if (earlier !== undefined) throw new UserError(`${path}: its output ${destination} was already written from ${earlier}`);
        const text = await convert(path);
        try {
          await writeFile(destination, text);
        } catch (error) {
          throw new UserError(`${path}: cannot write ${destination} (${(error as Error).message})`);
        }
        writtenFrom.set(destination, path);
        return destination;
      },
      { name: (path) => path, strict: values.strict === true },
    );
    const written = outcome.succeeded.map((s) => ({ file: s.file, output: s.value }));
    if (values.json) ctx.out(JSON.stringify({ to: target, written, failed: outcome.failures }, null, 2) + '\n');
    else ctx.out([`wrote ${written.length} file(s) (${target}) in ${outDir}`, ...failureReportLines(outcome.failures, outcome.total)].join('\n') + '\n');
    return batchExitCode(ctx, outcome);
  },
};
