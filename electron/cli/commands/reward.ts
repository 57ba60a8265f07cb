/**
 * `cfstudio reward check SPEC` — validate a reward spec and list its terms.
 * `cfstudio reward hull FORMULA [--energy E]` — the convex-hull stability proxy at a composition.
 * `cfstudio reward score SPEC FILE...` — score structure files with a spec (oracles, registered predictors).
 */
import { analysedCandidate } from '../../rewards/canonical.ts';
import { describePotentialTerm } from '../../rewards/potential-terms.ts';
import { type Command, PROVIDERS_OPTION, BATCH_EXIT_NOTE, STRICT_OPTION, UserError, batchExitCode, numberOption, runInputsForCli, stringOption } from '../command.ts';
import { failureReportLines } from '../../../shared/batch/each-input.ts';
import { safeMessageLine } from '../../../shared/text/safe-text.ts';
import { Composition } from '../../../shared/crystal/composition.ts';
import type { Structure } from '../../../shared/crystal/structure.ts';
import { structuralValidity } from '../../../shared/crystal/validity.ts';
import { writeCifP1 } from '../../../shared/io/index.ts';
import { DEFAULT_SYMPREC, type WyckoffDescription } from '../../../shared/symmetry/analyze.ts';
import {
  RewardSpecError,
  createRewardFunction,
  defaultHullReferencePath,
  formatPath,
  loadHullReference,
  optionsForSpecFile,
  predictorRegistry,
  readRewardSpecFile,
  walkTerms,
  DEFAULT_PENALTY,
  EHULL_PROXY_NOTE,
  type CandidateInput,
  type RewardSpec,
  type Term,
} from '../../rewards/index.ts';
import { analyzeForCli, loadStructureForCli, SYMPREC_OPTION } from './inspect.ts';
import { registerBuiltInPredictors } from '../../predictors/registry.ts';

const PROXY_NOTE = EHULL_PROXY_NOTE;

/** The structure as written, in space group 1: every atom its own orbit (P1 has the one Wyckoff position a). */
function p1Description(structure: Structure): WyckoffDescription {
  return {
    spaceGroup: 1,
    lattice: structure.lattice.parameters,
    sites: structure.sites.map((site) => ({ letter: 'a', species: site.species, frac: [site.frac[0], site.frac[1], site.frac[2]] })),
  };
}

export function readSpecForCli(path: string): RewardSpec {
  try {
    return readRewardSpecFile(path);
  } catch (error) {
    if (error instanceof RewardSpecError) throw new UserError(`${path}: invalid reward spec: ${error.problems.join('; ')}`);
    throw error;
  }
}

function describeTerm(term: Term): string {
  switch (term.kind) {
    case 'predictor':
      return `predictor '${term.predictor}'`;
    case 'ehull':
      return `E_hull proxy, formation energy from ${typeof term.formationEnergy === 'string' ? `predictor '${term.formationEnergy}'` : 'a sub-term'}`;
    case 'oracle':
      return term.oracle.type === 'command'
        ? `command oracle '${[term.oracle.command, ...(term.oracle.args ?? [])].join(' ')}'`
        : term.oracle.type === 'kserve'
          ? `KServe v2 oracle ${term.oracle.url} model '${term.oracle.model}'`
          : `ONNX oracle ${term.oracle.path}`;
    case 'product':
      return `product of ${term.factors.length}`;
    case 'sum':
      return `weighted sum of ${term.terms.length} (weights ${term.terms.map((t) => t.weight ?? 1).join(', ')})`;
    case 'potential_ehull':
    case 'energy_per_atom':
      return describePotentialTerm(term);
  }
}

export const rewardCheckCommand: Command = {
  path: ['reward', 'check'],
  summary: 'validate a reward spec (JSON) and list its terms, constraints and penalties',
  positionals: 'SPEC',
  options: { json: { type: 'boolean', description: 'print the parsed spec and its terms as JSON' } },
  run(values, positionals, ctx) {
    const path = positionals[0];
    if (!path || positionals.length > 1) throw new UserError('reward check needs exactly one SPEC file');
    const spec = readSpecForCli(path);
    const terms = walkTerms(spec.reward).map((w) => ({ name: w.name, path: formatPath(w.path), kind: w.term.kind, what: describeTerm(w.term) }));
    const predictors = walkTerms(spec.reward).flatMap((w) =>
      w.term.kind === 'predictor' ? [w.term.predictor] : w.term.kind === 'ehull' && typeof w.term.formationEnergy === 'string' ? [w.term.formationEnergy] : [],
    );
    registerBuiltInPredictors();
    const missing = [...new Set(predictors)].filter((p) => !predictorRegistry.has(p));
    const penalty = spec.penalty ?? DEFAULT_PENALTY;
    if (values.json) {
      ctx.out(JSON.stringify({ file: path, valid: true, spec, terms, predictorsNotRegistered: missing }, null, 2) + '\n');
      return;
    }
    const lines = [
      `${path}: valid reward spec${spec.name ? ` '${spec.name}'` : ''}`,
      ...terms.map((t) => `  ${t.name.padEnd(20)} ${t.what}  [${t.path}]`),
      `constraints: ${JSON.stringify(spec.constraints ?? {})}`,
      `penalty ${penalty} for constraint failures, ${spec.failureReward ?? penalty} for failed scoring`,
    ];
    if (missing.length) lines.push(`note: predictors not available in this process yet: ${missing.join(', ')} (they register when their models load)`);
    if (terms.some((t) => t.kind === 'ehull')) lines.push(`note: ${PROXY_NOTE}`);
    ctx.out(lines.join('\n') + '\n');
  },
};

export const rewardHullCommand: Command = {
  path: ['reward', 'hull'],
  summary: 'hull energy and decomposition at a composition (stability proxy against a partial reference, not a DFT hull)',
  positionals: 'FORMULA',
  options: {
    energy: { type: 'string', description: 'formation energy per atom of a candidate phase (eV/atom; write --energy=-1.2): also print its E_hull', valueName: 'EV' },
    reference: { type: 'string', description: 'hull reference CSV (default: $CFSTUDIO_HULL_REFERENCE or ../shared/data/properties/hull_reference.csv)', valueName: 'FILE' },
    json: { type: 'boolean', description: 'print the result as JSON' },
  },
  async run(values, positionals, ctx) {
    const formula = positionals.join('');
    if (!formula) throw new UserError('reward hull needs a FORMULA, e.g. LiFePO4');
    let composition: Composition;
    try {
      composition = Composition.fromFormula(formula);
    } catch (error) {
      throw new UserError((error as Error).message);
    }
    const energy = stringOption(values, 'energy') === undefined ? undefined : numberOption(values, 'energy', 0, -50, 50);
    const file = stringOption(values, 'reference') ?? defaultHullReferencePath();
    if (!file) throw new UserError('no hull reference: pass --reference FILE or set CFSTUDIO_HULL_REFERENCE');
    let hull;
    try {
      hull = await loadHullReference(file);
    } catch (error) {
      throw new UserError((error as Error).message.split('\n')[0]!);
    }
    const decomposition = hull.decompositionOf(composition);
    const eAboveHull = energy === undefined ? undefined : energy - decomposition.hullEnergy;
    if (values.json) {
      ctx.out(JSON.stringify({ formula: composition.reducedFormula, reference: hull.source, ...decomposition, ...(energy === undefined ? {} : { formationEnergyPerAtom: energy, eAboveHull }), note: PROXY_NOTE }, null, 2) + '\n');
      return;
    }
    const lines = [
      `composition     ${composition.reducedFormula} (system ${composition.elements.slice().sort().join('-')}; ${hull.entriesInSystem(composition.elements).length} reference phases)`,
      `hull energy     ${decomposition.hullEnergy.toFixed(4)} eV/atom`,
      'decomposition',
      ...decomposition.phases.map((p) => `  ${(100 * p.atomFraction).toFixed(2).padStart(6)} %  ${p.formula.padEnd(14)} ${p.formationEnergyPerAtom.toFixed(4)} eV/atom  ${p.elementalReference ? '(elemental reference)' : p.id}`),
    ];
    if (eAboveHull !== undefined) lines.push(`E_hull          ${eAboveHull.toFixed(4)} eV/atom for ${energy} eV/atom`);
    lines.push(`reference       ${hull.source}`, `note            ${PROXY_NOTE}`);
    ctx.out(lines.join('\n') + '\n');
  },
};

export const rewardScoreCommand: Command = {
  path: ['reward', 'score'],
  summary: 'score CIF/POSCAR files with a reward spec (oracles and registered predictors) and report failures',
  positionals: 'SPEC FILE...',
  notes: `${BATCH_EXIT_NOTE} Files that cannot be read are not scored ("failed" in --json); candidates that break a constraint or that a term cannot score get the spec's penalty and are counted in "failures" (the reward's own counts).`,
  options: {
    providers: PROVIDERS_OPTION,
    json: { type: 'boolean', description: 'print rewards, term values, failure counts and the files that could not be read as JSON' },
    strict: STRICT_OPTION,
    symprec: SYMPREC_OPTION,
    reference: { type: 'string', description: 'hull reference CSV for ehull terms without their own', valueName: 'FILE' },
  },
  async run(values, positionals, ctx) {
    const [specPath, ...files] = positionals;
    if (!specPath || files.length === 0) throw new UserError('reward score needs a SPEC and at least one structure FILE');
    const spec = readSpecForCli(specPath);
    const symprec = numberOption(values, 'symprec', DEFAULT_SYMPREC, 1e-6, 1);
    const read = await runInputsForCli(
      files,
      async (file): Promise<CandidateInput> => {
        const loaded = await loadStructureForCli(file);
        const cif = writeCifP1(loaded.structure);
        // As in fine-tuning (rewards/canonical.ts), a structure with overlapping atoms is not analysed: symmetry
        // analysis can fail on it (two orbits within the tolerance), and the file was then dropped as unreadable.
        // It keeps the description it was written with, P1 for a file, and gets the spec's verdict (with
        // `validity.structural`, its penalty before any term runs).
        if (!structuralValidity(loaded.structure).valid) return { structure: loaded.structure, description: p1Description(loaded.structure), cif };
        const analysis = analyzeForCli(file, loaded, symprec);
        return analysedCandidate({ structure: loaded.structure, description: analysis.description, cif });
      },
      { name: (file) => file, strict: values.strict === true },
    );
    const candidates = read.succeeded.map((s) => s.value);
    const scoredFiles = read.succeeded.map((s) => s.file);
    const reference = stringOption(values, 'reference');
    let fn;
    try {
      fn = await createRewardFunction(spec, optionsForSpecFile(specPath, { ...(reference ? { hullReference: reference } : {}), log: ctx.log }));
    } catch (error) {
      throw new UserError(`${specPath}: ${(error as Error).message.split('\n')[0]}`);
    }
    try {
      const result = await fn.evaluate(candidates);
      const terms = Object.fromEntries(Object.entries(result.terms).map(([name, v]) => [name, Array.from(v, (x) => (Number.isFinite(x) ? x : null))]));
      if (values.json) {
        ctx.out(JSON.stringify({ files: scoredFiles, reward: Array.from(result.reward), terms, failures: result.failures, failed: read.failures }, null, 2) + '\n');
        return batchExitCode(ctx, read);
      }
      const names = fn.termNames.filter((n) => n in result.terms);
      const lines = [['file', 'reward', ...names].join('\t')];
      scoredFiles.forEach((file, i) => lines.push([safeMessageLine(file, 500), result.reward[i]!.toFixed(4), ...names.map((n) => (Number.isFinite(result.terms[n]![i]!) ? result.terms[n]![i]!.toFixed(4) : '-'))].join('\t')));
      const f = result.failures;
      lines.push(`invalid ${f.invalid} ${JSON.stringify(f.constraints)}; unscored ${f.unscored}; term failures ${JSON.stringify(f.terms)}`);
      for (const m of f.messages) lines.push(`  ${safeMessageLine(m)}`);
      lines.push(...failureReportLines(read.failures, read.total));
      ctx.out(lines.join('\n') + '\n');
      return batchExitCode(ctx, read);
    } finally {
      await fn.close();
    }
  },
};

export const rewardCommands: Command[] = [rewardCheckCommand, rewardHullCommand, rewardScoreCommand];
