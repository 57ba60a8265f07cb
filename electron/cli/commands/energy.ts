/**
 * `cfstudio energy FILE…` — single points with the interatomic potential: energy, energy per atom, forces, stress
 * (GPa), and the MP2020-corrected formation energy and E_hull (unrelaxed) when the stability data is there.
 */
import { type Command, PROVIDERS_OPTION, BATCH_EXIT_NOTE, STRICT_OPTION, UserError, batchExitCode, numberOption } from '../command.ts';
import { ProgressBar } from '../progress.ts';
import { failureReportLines, type InputFailure } from '../../../shared/batch/each-input.ts';
import { DEFAULT_SYMPREC } from '../../../shared/symmetry/analyze.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { errorLine, safeMessageLine } from '../../../shared/text/safe-text.ts';
import { PARTIAL_HULL_NOTE, type SinglePointRecord, loadStability, singlePointRecord } from '../../screening/records.ts';
import { POTENTIAL_OPTION, THREADS_OPTION, WORKERS_OPTION, loadPotentialForCli, readStructuresForCli } from './relax.ts';
import { SYMPREC_OPTION } from './inspect.ts';

/** Structures per compute call: bounds memory and lets the progress bar move on long lists. */
const CHUNK = 64;

const fixed = (x: number | null, digits: number) => (x === null ? '-' : x.toFixed(digits));

export const energyCommand: Command = {
  path: ['energy'],
  summary: 'single-point energy, forces and stress of CIF/POSCAR files with the interatomic potential (plus formation energy and E_hull)',
  positionals: 'FILE...',
  notes: `Energies are the potential's (M3GNet-MP-2021: the Materials Project's GGA/GGA+U scale, uncorrected); formation energy and E_hull use the MP2020 corrections. ${PARTIAL_HULL_NOTE} ${BATCH_EXIT_NOTE}`,
  options: {
    potential: POTENTIAL_OPTION,
    providers: PROVIDERS_OPTION,
    threads: THREADS_OPTION,
    workers: { ...WORKERS_OPTION, description: 'worker threads that each evaluate a share of every batch (default 1: single points are quick)' },
    symprec: SYMPREC_OPTION,
    strict: STRICT_OPTION,
    json: { type: 'boolean', description: 'print every record (forces per site, stress tensor) and the inputs that failed as JSON' },
  },
  async run(values, positionals, ctx) {
    if (positionals.length === 0) throw new UserError('energy needs at least one structure FILE');
    const symprec = numberOption(values, 'symprec', DEFAULT_SYMPREC, 1e-6, 1);
    await initSymmetry();
    const read = await readStructuresForCli(positionals, values.strict === true);
    const potential = await loadPotentialForCli(values);
    const records: SinglePointRecord[] = [];
    const failures: InputFailure[] = [...read.failures];
    try {
      const stability = await loadStability();
      if ('error' in stability) ctx.log(`warning: formation energy and E_hull are not computed (${stability.error})`);
      const bar = read.inputs.length > CHUNK ? new ProgressBar({ total: read.inputs.length, label: 'energy', unit: 'crystal' }) : undefined;
      for (let start = 0; start < read.inputs.length; start += CHUNK) {
        const chunk = read.inputs.slice(start, start + CHUNK);
        // Structures the potential refuses (elements it does not know, atoms packed too densely) fail alone, by name;
        // the rest go in one call.
        const known = chunk.filter((input) => {
          const unknown = [...new Set(input.structure.species)].filter((e) => !potential.elements.has(e));
          const refusal = unknown.length ? `${potential.name} does not know ${unknown.join(', ')}` : potential.refusal?.(input.structure);
          if (refusal) failures.push({ file: input.file, error: `${safeMessageLine(input.file, 500)}: ${refusal}` });
          return refusal === undefined;
        });
        let results;
        try {
          results = await potential.compute(known.map((i) => i.structure));
        } catch (error) {
          if (values.strict === true || read.total === 1) throw new UserError(errorLine(error));
          for (const input of known) failures.push({ file: input.file, error: `${safeMessageLine(input.file, 500)}: ${errorLine(error)}` });
          continue;
        }
        known.forEach((input, k) => records.push(singlePointRecord(input.file, input.structure, results[k]!, { symprec, stability })));
        bar?.update(Math.min(read.inputs.length, start + CHUNK));
      }
      bar?.finish();
    } finally {
      await potential.close();
    }
    if (values.strict === true && failures.length) throw new UserError(failures[0]!.error);
    if (read.total === 1 && failures.length) throw new UserError(failures[0]!.error);
    if (values.json) {
      ctx.out(JSON.stringify({ potential: potential.name, units: { energy: 'eV', forces: 'eV/Å', stress: 'GPa' }, hullReference: PARTIAL_HULL_NOTE, results: records, failed: failures }, null, 2) + '\n');
    } else {
      const lines = [`potential ${potential.name}`];
      lines.push(['file', 'atoms', 'E (eV)', 'E (eV/atom)', 'max |F| (eV/Å)', 'P (GPa)', 'E_form (eV/atom)', 'E_hull (eV/atom)'].join('\t'));
      for (const r of records) {
        lines.push([safeMessageLine(r.file, 500), r.atoms, r.energy.toFixed(4), r.energyPerAtom.toFixed(4), r.maxForce.toFixed(4), r.pressureGPa.toFixed(3), fixed(r.formationEnergyPerAtom, 4), fixed(r.eHull, 4)].join('\t'));
      }
      if (records.some((r) => r.eHull !== null)) lines.push(`note: unrelaxed structures; ${PARTIAL_HULL_NOTE}`);
      lines.push(...failureReportLines(failures, read.total));
      ctx.out(lines.join('\n') + '\n');
    }
    return batchExitCode(ctx, { failures, total: read.total });
  },
};
