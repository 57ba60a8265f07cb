/**
 * `cfstudio relax FILE…|DIR --out DIR` — relax crystals with an interatomic potential (FIRE on positions and cell,
 * space group kept by default) and write the relaxed, symmetrized CIFs and `relaxed.jsonl` (energy, formation
 * energy, E_hull and decomposition, steps, status, fmax, volume change, displacement, space group before/after).
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, extname, join } from 'node:path';
import { type Command, PROVIDERS_OPTION, type CommandContext, type ParsedValues, BATCH_EXIT_NOTE, STRICT_OPTION, UserError, batchExitCode, intOption, numberOption, requiredString, runInputsForCli, stringOption } from '../command.ts';
import { checkOutputDirectory } from '../output-paths.ts';
import { ProgressBar } from '../progress.ts';
import { withStopSignal } from '../stop-signal.ts';
import { failureReportLines, type InputFailure } from '../../../shared/batch/each-input.ts';
import type { Structure } from '../../../shared/crystal/structure.ts';
import { formatFromFileName } from '../../../shared/io/index.ts';
import { DEFAULT_SYMPREC } from '../../../shared/symmetry/analyze.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { errorLine, safeMessageLine } from '../../../shared/text/safe-text.ts';
import { DEFAULT_POTENTIAL_DIR, defaultPotentialDir, loadPotential } from '../../engine/potential/load.ts';
import { relaxStructures } from '../../engine/potential/relax.ts';
import type { Potential } from '../../engine/potential/types.ts';
import { PARTIAL_HULL_NOTE, type RelaxationRecord, loadStability, relaxationRecord, structureCif } from '../../screening/records.ts';
import { loadStructureForCli, SYMPREC_OPTION } from './inspect.ts';

export const POTENTIAL_OPTION = {
  type: 'string',
  description: `interatomic potential folder (default ${DEFAULT_POTENTIAL_DIR}; a matgl M3GNet folder works too)`,
  valueName: 'DIR',
} as const;

export const THREADS_OPTION = { type: 'string', description: 'onnxruntime threads for the potential (default 1; with --workers 1)', valueName: 'N' } as const;

export const WORKERS_OPTION = {
  type: 'string',
  description: 'worker threads that each evaluate a share of every batch (default: one per core, at most one per structure)',
  valueName: 'N',
} as const;

/**
 * The structure files named on the command line: files as given, folders expanded to the CIF/POSCAR files directly
 * inside them (sorted by name). A folder without any is a failure of that input.
 */
export async function expandStructureInputs(paths: readonly string[]): Promise<{ files: string[]; failures: InputFailure[] }> {
  const files: string[] = [];
  const failures: InputFailure[] = [];
  for (const path of paths) {
    let isDirectory = false;
    try {
      isDirectory = (await stat(path)).isDirectory();
    } catch {
      // Not there: the reader reports it by name.
    }
    if (!isDirectory) {
      files.push(path);
      continue;
    }
    const names = (await readdir(path)).filter((name) => formatFromFileName(name) !== undefined).sort();
    if (names.length === 0) failures.push({ file: path, error: `${safeMessageLine(path, 500)}: no CIF or POSCAR files in this folder` });
    files.push(...names.map((name) => join(path, name)));
  }
  return { files, failures };
}

/** The potential of --potential, sharded over --workers threads (`defaultWorkers` when not given). */
export async function loadPotentialForCli(values: ParsedValues, defaultWorkers = 1): Promise<Potential> {
  const dir = stringOption(values, 'potential') ?? defaultPotentialDir();
  const threads = intOption(values, 'threads', 1, 1, 64);
  const workers = intOption(values, 'workers', defaultWorkers, 1, 64);
  try {
    return await loadPotential(dir, { threads, workers });
  } catch (error) {
    throw new UserError(errorLine(error));
  }
}

/** Structure files read with the shared batch loop: failures collected (or the first one, with --strict). */
export async function readStructuresForCli(positionals: readonly string[], strict: boolean): Promise<{ inputs: { file: string; structure: Structure }[]; failures: InputFailure[]; total: number }> {
  const expanded = await expandStructureInputs(positionals);
  if (strict && expanded.failures.length) throw new UserError(expanded.failures[0]!.error);
  if (expanded.files.length === 0) throw new UserError(expanded.failures[0]?.error ?? 'no structure files given');
  const outcome = await runInputsForCli(expanded.files, async (file) => (await loadStructureForCli(file)).structure, { name: (file) => file, strict });
  return {
    inputs: outcome.succeeded.map((s) => ({ file: s.file, structure: s.value })),
    failures: [...expanded.failures, ...outcome.failures],
    total: outcome.total + expanded.failures.length,
  };
}

/** A CIF name in the output folder for each input, from its file name; repeated names get -2, -3, … */
function outputNames(files: readonly string[]): string[] {
  const used = new Map<string, number>();
  return files.map((file) => {
    const stem = basename(file, extname(file)) || 'structure';
    const n = (used.get(stem) ?? 0) + 1;
    used.set(stem, n);
    return `${n === 1 ? stem : `${stem}-${n}`}.cif`;
  });
}

const fixed = (x: number | null, digits: number) => (x === null ? '-' : x.toFixed(digits));

export const relaxCommand: Command = {
  path: ['relax'],
  summary: 'relax crystals with the interatomic potential (positions and cell, space group kept); relaxed CIFs, energies and E_hull',
  positionals: 'FILE...|DIR',
  notes:
    `Writes OUT/NAME.cif (symmetrized) for every relaxation that converged or ran out of steps, and OUT/relaxed.jsonl (replaced) with one record per structure, in the order the relaxations end (Ctrl-C: the unfinished ones are recorded as cancelled). ` +
    `Statuses: converged, not-converged (--steps reached), exploded (atoms closer than 0.5 Å or volume ×3 or ÷3), failed (the potential refused it). ` +
    `${PARTIAL_HULL_NOTE} ${BATCH_EXIT_NOTE}`,
  options: {
    out: { type: 'string', description: 'output folder for the relaxed CIFs and relaxed.jsonl', valueName: 'DIR' },
    providers: PROVIDERS_OPTION,
    fmax: { type: 'string', description: 'converged when every force (and the cell force) is below this, eV/Å (default 0.05)', valueName: 'EV_PER_A' },
    steps: { type: 'string', description: 'FIRE steps at most (default 500)', valueName: 'N' },
    'keep-symmetry': { type: 'boolean', description: 'keep each crystal in its space group, as ASE FixSymmetry (the default)' },
    'no-keep-symmetry': { type: 'boolean', description: 'let the crystals lower their symmetry' },
    potential: POTENTIAL_OPTION,
    threads: THREADS_OPTION,
    workers: WORKERS_OPTION,
    symprec: SYMPREC_OPTION,
    strict: STRICT_OPTION,
    json: { type: 'boolean', description: 'print every record (and the inputs that failed) as JSON' },
  },
  async run(values, positionals, ctx) {
    if (positionals.length === 0) throw new UserError('relax needs structure FILEs or a DIR of them');
    const outDir = requiredString(values, 'out');
    if (values['keep-symmetry'] && values['no-keep-symmetry']) throw new UserError('give one of --keep-symmetry and --no-keep-symmetry');
    const keepSymmetry = values['no-keep-symmetry'] !== true;
    const fmax = numberOption(values, 'fmax', 0.05, 1e-6, 100);
    const maxSteps = intOption(values, 'steps', 500, 0, 1_000_000);
    const symprec = numberOption(values, 'symprec', DEFAULT_SYMPREC, 1e-6, 1);
    await checkOutputDirectory(outDir, ['relaxed.jsonl']);
    await initSymmetry();
    const read = await readStructuresForCli(positionals, values.strict === true);
    // Relaxations are long: one worker per core (never more than structures) pays for the workers' start-up.
    const potential = await loadPotentialForCli(values, Math.max(1, Math.min(availableParallelism(), read.inputs.length)));
    try {
      return await relaxFiles(ctx, { potential, inputs: read.inputs, readFailures: read.failures, total: read.total, outDir, fmax, maxSteps, keepSymmetry, symprec, json: values.json === true, strict: values.strict === true });
    } finally {
      await potential.close();
    }
  },
};

interface RelaxFilesOptions {
  potential: Potential;
  inputs: { file: string; structure: Structure }[];
  readFailures: InputFailure[];
  total: number;
  outDir: string;
  fmax: number;
  maxSteps: number;
  keepSymmetry: boolean;
  symprec: number;
  json: boolean;
  strict: boolean;
}

async function relaxFiles(ctx: CommandContext, o: RelaxFilesOptions): Promise<number> {
  const stability = await loadStability();
  if ('error' in stability) ctx.log(`warning: formation energy and E_hull are not computed (${stability.error})`);
  mkdirSync(o.outDir, { recursive: true });
  const jsonlPath = join(o.outDir, 'relaxed.jsonl');
  writeFileSync(jsonlPath, '');
  const names = outputNames(o.inputs.map((i) => i.file));
  const records: (RelaxationRecord | undefined)[] = new Array(o.inputs.length);
  const bar = new ProgressBar({ total: o.inputs.length, label: 'relax', unit: 'crystal' });
  let done = 0;
  let step = 0;
  await withStopSignal(ctx, 'the structures still relaxing are recorded as cancelled', (signal) =>
    relaxStructures(
      o.potential,
      o.inputs.map((i) => i.structure),
      {
        fmax: o.fmax,
        maxSteps: o.maxSteps,
        keepSymmetry: o.keepSymmetry,
        symprec: o.symprec,
        signal,
        onStep: (event) => {
          if (event.step > step) {
            step = event.step;
            bar.update(done, `step ${step}`);
          }
        },
        onDone: (index, result) => {
          const input = o.inputs[index]!;
          const written = result.status === 'converged' || result.status === 'not-converged';
          if (written) writeFileSync(join(o.outDir, names[index]!), structureCif(result.structure, o.symprec, basename(names[index]!, '.cif')));
          const record = relaxationRecord(input.file, input.structure, result, { symprec: o.symprec, output: written ? names[index]! : null, stability });
          records[index] = record;
          appendFileSync(jsonlPath, JSON.stringify(record) + '\n');
          done++;
          bar.update(done, `step ${step}`);
        },
      },
    ),
  );
  const seconds = bar.finish();
  const finished = records.filter((r): r is RelaxationRecord => r !== undefined);
  const failures = [
    ...o.readFailures,
    ...finished.filter((r) => r.status === 'failed').map((r) => ({ file: r.file, error: `${safeMessageLine(r.file, 500)}: ${r.message ?? 'failed'}` })),
  ];
  const counts = new Map<string, number>();
  for (const r of finished) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const summary = [...counts].map(([status, n]) => `${status} ${n}`).join(', ');
  if (o.json) {
    ctx.out(JSON.stringify({ potential: o.potential.name, out: o.outDir, keepSymmetry: o.keepSymmetry, fmax: o.fmax, maxSteps: o.maxSteps, seconds, hullReference: PARTIAL_HULL_NOTE, results: finished, failed: failures }, null, 2) + '\n');
  } else {
    const lines = [`relaxed ${finished.length} crystal${finished.length === 1 ? '' : 's'} with ${o.potential.name} in ${seconds.toFixed(1)} s: ${summary || 'none'}`];
    if (finished.length > 0 && finished.length <= 50) {
      lines.push(['file', 'status', 'steps', 'E (eV/atom)', 'E_form (eV/atom)', 'E_hull (eV/atom)', 'space group'].join('\t'));
      for (const r of finished) {
        lines.push(
          [safeMessageLine(r.file, 500), r.status, r.steps, fixed(r.energyPerAtom, 4), fixed(r.formationEnergyPerAtom, 4), fixed(r.eHull, 4), `${r.spaceGroupBefore ?? '?'} → ${r.spaceGroupAfter ?? '?'}`].join('\t'),
        );
      }
    }
    lines.push(`wrote ${jsonlPath} and ${finished.filter((r) => r.output).length} CIF file(s) in ${o.outDir}`);
    if (finished.some((r) => r.eHull !== null)) lines.push(`note: ${PARTIAL_HULL_NOTE}`);
    lines.push(...failureReportLines(failures, o.total));
    ctx.out(lines.join('\n') + '\n');
  }
  return batchExitCode(ctx, { failures, total: o.total });
}
