/**
 * `cfstudio csp FORMULA --out DIR` — crystal structure prediction from a formula: sample crystals that have exactly
 * the formula (×Z), merge duplicates, rank by the potential's energy per atom (after relaxation with --relax) or by
 * the model's likelihood, and write the ranked CIFs and a table.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, UserError, intOption, numberOption, requiredString, stringOption } from '../command.ts';
import { checkOutputDirectory } from '../output-paths.ts';
import { ProgressBar } from '../progress.ts';
import { withStopSignal } from '../stop-signal.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { getSpaceGroup } from '../../../shared/symmetry/spacegroups.ts';
import { errorLine } from '../../../shared/text/safe-text.ts';
import { loadModel } from '../../engine/model/files.ts';
import { DEFAULT_POTENTIAL_DIR, defaultPotentialDir } from '../../engine/potential/load.ts';
import type { Potential } from '../../engine/potential/types.ts';
import { CrystalSampler } from '../../engine/sample/sampler.ts';
import { DEFAULT_MAX_CELL_ATOMS, parseAtomRange, parseZList, planStructurePrediction, type CspPlan } from '../../csp/plan.ts';
import { type CspCandidate, type CspResult, predictStructures } from '../../csp/predict.ts';
import { CSP_RELAX_DEFAULTS, CSP_SYMPREC, type CspEnergyModel, candidateCif, chooseSpaceGroups, openCspPotential } from '../../csp/session.ts';
import { PARTIAL_HULL_NOTE } from '../../screening/records.ts';

export const cspCommand: Command = {
  path: ['csp'],
  summary: 'structure prediction from a formula: sample crystals with exactly that composition, merge duplicates, rank by the potential (or likelihood)',
  positionals: 'FORMULA',
  notes:
    'Every crystal sampled has exactly FORMULA × Z atoms in its conventional cell: the Wyckoff letters and elements are masked while decoding ' +
    'so that only sequences completing the formula can be drawn. Without --spacegroup, the groups in which some allowed Z can be written ' +
    "(at most 20 Wyckoff sites) are drawn with weights p(g | formula) ∝ p(g) · P(formula | g): the training frequency times the model's probability " +
    'of writing the formula in g, estimated by importance weights of a few masked draws per group (--groups prior: training frequency alone). ' +
    `Default Z: every Z with at most ${DEFAULT_MAX_CELL_ATOMS} atoms in the conventional cell. ` +
    'Duplicates (pymatgen StructureMatcher tolerances) are merged into the most likely sample. Ranking: energy per atom from the potential ' +
    `(${DEFAULT_POTENTIAL_DIR}) after relaxation with the space group kept (--relax) or at the sampled geometry, else the model's log-likelihood. ` +
    `Writes DIR/rank-NN.cif for the --top best, DIR/candidates.csv (every distinct structure, ranked) and DIR/csp.json. ${PARTIAL_HULL_NOTE}`,
  options: {
    z: { type: 'string', description: `formula units per conventional cell, e.g. 4 or 1,2,4 or 1-8 (default: up to ${DEFAULT_MAX_CELL_ATOMS} atoms)`, valueName: 'Z[,Z…]' },
    atoms: { type: 'string', description: 'instead of --z: atoms per conventional cell, e.g. 8-40', valueName: 'MIN-MAX' },
    spacegroup: { type: 'string', description: 'space group number(s) (default: every group that can hold the formula, see --groups)', valueName: 'G[,G…]' },
    groups: { type: 'string', description: "without --spacegroup, weigh the groups by 'model' (p(g | formula): training frequency × the model's estimated probability of writing the formula in g, from --group-draws draws per group; the default) or 'prior' (training frequency alone)", valueName: 'model|prior' },
    'group-draws': { type: 'string', description: 'with --groups model: draws per group for the estimate (default 4)', valueName: 'N' },
    n: { type: 'string', short: 'n', description: 'crystals to sample (default 200)', valueName: 'N' },
    top: { type: 'string', description: 'CIFs to write, best first (default 10)', valueName: 'K' },
    relax: { type: 'boolean', description: 'relax every distinct candidate with the potential (FIRE, space group kept) before ranking' },
    fmax: { type: 'string', description: 'with --relax: converged below this force, eV/Å (default 0.05)', valueName: 'EV_PER_A' },
    steps: { type: 'string', description: 'with --relax: FIRE steps at most (default 300)', valueName: 'N' },
    potential: { type: 'string', description: `interatomic potential folder (default ${DEFAULT_POTENTIAL_DIR} when present)`, valueName: 'DIR' },
    'no-potential': { type: 'boolean', description: "rank by the model's log-likelihood only" },
    threads: { type: 'string', description: 'onnxruntime threads for the potential (default 1)', valueName: 'N' },
    temperature: { type: 'string', description: 'sampling temperature (default 1)', valueName: 'T' },
    'top-p': { type: 'string', description: 'nucleus sampling threshold (default 1)', valueName: 'P' },
    seed: { type: 'string', description: 'random seed (default 0)', valueName: 'N' },
    'batch-size': { type: 'string', description: 'crystals decoded together (default 256)', valueName: 'N' },
    model: { type: 'string', description: 'model name in models/ or a model folder (default: default)', valueName: 'NAME|DIR' },
    out: { type: 'string', description: 'output folder (must not hold an earlier csp result)', valueName: 'DIR' },
    json: { type: 'boolean', description: 'print the summary and the ranked candidates as JSON' },
  },
  async run(values, positionals, ctx) {
    if (positionals.length !== 1) throw new UserError(`csp takes one FORMULA (e.g. Li3PS4), got ${positionals.length === 0 ? 'none' : positionals.length}`);
    const formula = positionals[0]!;
    const outDir = requiredString(values, 'out');
    await checkOutputDirectory(outDir);
    if (existsSync(join(outDir, 'csp.json'))) throw new UserError(`${outDir}: already holds a csp result (csp.json); choose another --out`);
    const count = intOption(values, 'n', 200, 1, 1_000_000);
    const top = intOption(values, 'top', 10, 0, 100_000);
    const seed = intOption(values, 'seed', 0, 0);
    const temperature = numberOption(values, 'temperature', 1, 1e-3, 100);
    const topP = numberOption(values, 'top-p', 1, 1e-6, 1);
    const batchSize = intOption(values, 'batch-size', 256, 1, 4096);
    const fmax = numberOption(values, 'fmax', CSP_RELAX_DEFAULTS.fmax, 1e-6, 100);
    const maxSteps = intOption(values, 'steps', CSP_RELAX_DEFAULTS.maxSteps, 0, 1_000_000);
    const threads = intOption(values, 'threads', 1, 1, 64);
    const zText = stringOption(values, 'z');
    const atomsText = stringOption(values, 'atoms');
    const sgText = stringOption(values, 'spacegroup');
    const groupsMode = stringOption(values, 'groups') ?? 'model';
    if (groupsMode !== 'model' && groupsMode !== 'prior') throw new UserError(`--groups '${groupsMode}': expected model or prior`);
    if (sgText && stringOption(values, 'groups')) throw new UserError('--groups applies only without --spacegroup');
    const groupDraws = intOption(values, 'group-draws', 4, 1, 1000);
    const potentialDir = stringOption(values, 'potential');
    if (zText && atomsText) throw new UserError('give either --z or --atoms, not both');
    if (values['no-potential'] && (potentialDir || values.relax)) throw new UserError('--no-potential cannot be combined with --potential or --relax');
    const user = <T>(f: () => T): T => {
      try {
        return f();
      } catch (error) {
        throw new UserError(errorLine(error));
      }
    };
    const zs = zText ? user(() => parseZList(zText)) : undefined;
    const atoms = atomsText ? user(() => parseAtomRange(atomsText)) : undefined;
    const spaceGroups = sgText ? user(() => sgText.split(',').map((s) => parseSpaceGroup(s))) : undefined;

    await initSymmetry();
    let model;
    try {
      model = await loadModel(stringOption(values, 'model') ?? 'default');
    } catch (error) {
      throw new UserError(errorLine(error));
    }
    const prior = user(() => planStructurePrediction({ formula, ...(zs ? { zs } : {}), ...(atoms ? { atoms } : {}), ...(spaceGroups ? { spaceGroups } : {}), spaceGroupCounts: model.card.spaceGroupCounts }));

    let energyModel: CspEnergyModel = { potential: null };
    if (!values['no-potential']) {
      try {
        energyModel = await openCspPotential({ dir: potentialDir ?? defaultPotentialDir(), given: potentialDir !== undefined, relax: values.relax === true, threads });
      } catch (error) {
        throw new UserError(errorLine(error));
      }
      if (energyModel.note) ctx.log(`note: ${energyModel.note}`);
    }
    const { potential, stability } = energyModel;
    if (stability && 'error' in stability) ctx.log(`warning: formation energy and E_hull are not computed (${stability.error})`);

    const sampler = await CrystalSampler.create(model.config, model.params);
    let plan = prior;
    if (groupsMode === 'model' && prior.groupChoice !== 'given') ctx.log(`weighing ${prior.groups.length} space groups by the model (${groupDraws} draws each)…`);
    try {
      plan = await chooseSpaceGroups(sampler, prior, { mode: groupsMode, perGroup: groupDraws, seed });
    } catch (error) {
      await sampler.release();
      throw error;
    }
    ctx.log(planLine(plan));
    let result: CspResult;
    // One progress bar per stage (sample, match, energy or relax), each finished when the next starts.
    let bar: { stage: string; bar: ProgressBar } | null = null;
    const progress = (stage: string, done: number, total: number) => {
      if (bar?.stage !== stage) {
        bar?.bar.finish();
        bar = { stage, bar: new ProgressBar({ total, label: stage, unit: stage === 'sample' ? 'crystal' : 'structure' }) };
      }
      bar.bar.update(done);
    };
    try {
      result = await withStopSignal(ctx, 'the candidates so far are ranked and written', (signal) =>
        predictStructures(plan, { sampler, count, seed, temperature, topP, batchSize, potential, relax: values.relax ? { fmax, maxSteps } : null, ...(stability ? { stability } : {}), symprec: CSP_SYMPREC, onProgress: progress, signal }),
      );
    } finally {
      (bar as { bar: ProgressBar } | null)?.bar.finish();
      await sampler.release();
      await potential?.close();
    }
    if (result.note) ctx.log(`note: ${result.note}`);

    mkdirSync(outDir, { recursive: true });
    const rows = result.candidates.map((c, i) => ({ rank: i + 1, file: i < top ? `rank-${String(i + 1).padStart(2, '0')}.cif` : null, candidate: c }));
    for (const row of rows) {
      if (row.file) writeFileSync(join(outDir, row.file), candidateCif(plan, row.rank, row.candidate));
    }
    writeFileSync(join(outDir, 'candidates.csv'), candidatesCsv(rows));
    const summary = {
      formula: plan.unit.text,
      zs: plan.zs,
      spaceGroupChoice: plan.groupChoice,
      spaceGroups: plan.groups.map((g) => ({ group: g.group, symbol: g.symbol, weight: g.weight, zs: g.zs })),
      sampled: result.sampled,
      built: result.built,
      structurallyValid: result.structurallyValid,
      mergedAtoms: result.merged,
      distinct: result.candidates.length,
      ranking: result.ranking,
      ...(result.note ? { note: result.note } : {}),
      potential: potential?.name ?? null,
      relaxed: values.relax === true,
      seconds: result.seconds,
      out: outDir,
      candidates: rows.map((r) => candidateJson(r.rank, r.file, r.candidate)),
    };
    writeFileSync(join(outDir, 'csp.json'), JSON.stringify(summary, null, 2) + '\n');
    if (values.json) {
      ctx.out(JSON.stringify(summary, null, 2) + '\n');
      return;
    }
    const lines = [
      `${plan.unit.text}: ${result.sampled} sampled, ${result.structurallyValid} structurally valid${result.merged ? ` (${result.merged} left out: atoms merged onto one position)` : ''}, ${result.candidates.length} distinct; ranked by ${result.ranking}${potential && result.ranking !== 'log-likelihood' ? ` (${potential.name})` : ''}`,
      `rank  group           Z  E/atom (eV)  E_hull (eV/atom)  log p     seen  Wyckoff`,
    ];
    for (const row of rows.slice(0, Math.max(top, 1))) {
      const c = row.candidate;
      const g = c.spaceGroupFound ?? c.record.spaceGroupRequested;
      lines.push(
        `${String(row.rank).padStart(4)}  ${`${g} ${getSpaceGroup(g).symbol}`.padEnd(14)} ${String(c.z).padStart(2)}  ${fixed(c.energyPerAtom, 4).padStart(11)}  ${fixed(c.stability?.eHull ?? null, 4).padStart(16)}  ${c.logp.toFixed(1).padStart(7)}  ${String(c.count).padStart(5)}  ${c.record.wyckoffLabel ?? '-'}`,
      );
    }
    lines.push(`wrote ${Math.min(top, rows.length)} CIFs, candidates.csv and csp.json to ${outDir}`);
    ctx.out(lines.join('\n') + '\n');
  },
};

function parseSpaceGroup(text: string): number {
  const g = Number(text.trim());
  if (!(Number.isInteger(g) && g >= 1 && g <= 230)) throw new Error(`--spacegroup '${text.trim()}': expected space group numbers from 1 to 230`);
  return g;
}

function planLine(plan: CspPlan): string {
  const byWeight = plan.groups.slice().sort((a, b) => b.weight - a.weight);
  const groups =
    plan.groups.length <= 6
      ? plan.groups.map((g) => `${g.group} ${g.symbol} (Z ${g.zs.join(',')})`).join(', ')
      : `${plan.groups.length} space groups by ${plan.groupChoice}, most weight on ${byWeight
          .slice(0, 5)
          .map((g) => `${g.group} ${g.symbol} ${(100 * g.weight).toFixed(1)} %`)
          .join(', ')}`;
  return `csp ${plan.unit.text}: Z ${plan.zs.length <= 8 ? plan.zs.join(',') : `${plan.zs[0]}–${plan.zs[plan.zs.length - 1]}`} in ${groups}`;
}

const fixed = (x: number | null, digits: number) => (x === null || !Number.isFinite(x) ? '-' : x.toFixed(digits));

function candidateJson(rank: number, file: string | null, c: CspCandidate) {
  return {
    rank,
    file,
    sample: c.sample,
    formula: c.record.formula,
    z: c.z,
    atoms: c.structure.numSites,
    spaceGroupSampled: c.record.spaceGroupRequested,
    spaceGroupFound: c.spaceGroupFound,
    wyckoff: c.record.wyckoffLabel,
    logp: c.logp,
    samplesMatched: c.count,
    energyPerAtom: c.energyPerAtom,
    relaxStatus: c.relaxStatus,
    relaxSteps: c.relaxSteps,
    formationEnergyPerAtom: c.stability?.formationEnergyPerAtom ?? null,
    eHull: c.stability?.eHull ?? null,
    ...(c.stability?.stabilityError ? { stabilityError: c.stability.stabilityError } : {}),
  };
}

function candidatesCsv(rows: { rank: number; file: string | null; candidate: CspCandidate }[]): string {
  const header = 'rank,file,formula,z,atoms,space_group_sampled,space_group_found,wyckoff,logp,samples_matched,energy_per_atom_ev,formation_energy_ev_per_atom,e_hull_ev_per_atom,relax_status,relax_steps';
  const cell = (x: number | string | null | undefined) => (x === null || x === undefined || (typeof x === 'number' && !Number.isFinite(x)) ? '' : String(x));
  const lines = rows.map(({ rank, file, candidate: c }) =>
    [rank, file, c.record.formula, c.z, c.structure.numSites, c.record.spaceGroupRequested, c.spaceGroupFound, c.record.wyckoffLabel, c.logp.toFixed(4), c.count, c.energyPerAtom?.toFixed(6), c.stability?.formationEnergyPerAtom?.toFixed(6), c.stability?.eHull?.toFixed(6), c.relaxStatus, c.relaxSteps].map(cell).join(','),
  );
  return [header, ...lines].join('\n') + '\n';
}
