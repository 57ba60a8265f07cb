import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, PROVIDERS_OPTION, UserError, intOption, numberOption, requiredString, stringOption } from '../command.ts';
import { ProgressBar } from '../progress.ts';
import { checkOutputDirectory } from '../output-paths.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { loadModel } from '../../engine/model/files.ts';
import { SampleWriter } from '../../engine/sample/sample-writer.ts';
import { parseElementList } from '../../engine/sample/conditions.ts';
import { type AnnealingSchedule, CrystalMcmc, type McmcTemplate, movableSites, parseTemplate, resolveTemplate } from '../../engine/mcmc/index.ts';

export const mcmcCommand: Command = {
  path: ['mcmc'],
  summary: 'Metropolis–Hastings over a template ("crystal cloze"): fill masked elements/coordinates, anneal T, write CIFs + samples.jsonl + mcmc.jsonl',
  options: {
    providers: PROVIDERS_OPTION,
    spacegroup: { type: 'string', description: 'space group number of the template (1…230)', valueName: 'G' },
    template: {
      type: 'string',
      description:
        "sites in Wyckoff order, LETTER:ELEMENT[@X,Y,Z], comma-separated. ELEMENT: a symbol (fixed), ? (masked, from --elements) or Ba|Sr (masked, one of these); @X,Y,Z fixes the coordinates (e.g. @1/4,0,0), otherwise free ones are sampled. Double perovskite A2BB'O6 in 225 (B 4a, B' 4b, A 8c, O 24e): --spacegroup 225 --template 'a:?,b:?,c:?,e:O'",
      valueName: 'SITES',
    },
    elements: { type: 'string', description: 'elements allowed on ? sites (default: all but radioactive elements and noble gases)', valueName: 'LIST' },
    tie: { type: 'string', multiple: true, description: "template site J takes site I's element (1-based), repeatable: --tie 1:2", valueName: 'I:J' },
    chains: { type: 'string', description: 'chains run in parallel as one batch (default 128)', valueName: 'N' },
    sweeps: { type: 'string', description: 'sweeps; a sweep proposes a move at every movable site once (default 20)', valueName: 'N' },
    't-start': { type: 'string', description: 'temperature of the first sweep (default 5)', valueName: 'T' },
    't-end': { type: 'string', description: 'temperature of the last sweep (default 1)', valueName: 'T' },
    schedule: { type: 'string', description: "annealing: 'inverse-linear' (1/T linear, default) or 'geometric'", valueName: 'KIND' },
    width: { type: 'string', description: 'coordinate proposal width: von Mises κ = 1/width² (default 0.1)', valueName: 'W' },
    'lattice-temperature': { type: 'string', description: 'temperature of the final lattice draw (default 1)', valueName: 'T' },
    seed: { type: 'string', description: 'random seed (default 0): the same seed gives the same chains', valueName: 'N' },
    threads: { type: 'string', description: 'onnxruntime intra-op threads (default: all cores)', valueName: 'N' },
    model: { type: 'string', description: 'model name in models/ or a model folder (default: default)', valueName: 'NAME|DIR' },
    out: { type: 'string', description: 'output folder: NNNNNN.cif, samples.jsonl (appended) and mcmc.jsonl (per-sweep statistics)', valueName: 'DIR' },
    json: { type: 'boolean', description: 'print a JSON summary' },
  },
  async run(values, _positionals, ctx) {
    const outDir = requiredString(values, 'out');
    await checkOutputDirectory(outDir, ['samples.jsonl', 'mcmc.jsonl']);
    const spaceGroup = intOption(values, 'spacegroup', NaN, 1, 230);
    if (Number.isNaN(spaceGroup)) throw new UserError('--spacegroup is required (the template letters belong to one space group)');
    const templateText = requiredString(values, 'template');
    const chains = intOption(values, 'chains', 128, 1, 100_000);
    const sweeps = intOption(values, 'sweeps', 20, 0, 1_000_000);
    const temperatureStart = numberOption(values, 't-start', 5, 1e-3, 1e6);
    const temperatureEnd = numberOption(values, 't-end', 1, 1e-3, 1e6);
    const width = numberOption(values, 'width', 0.1, 1e-4, 100);
    const latticeTemperature = numberOption(values, 'lattice-temperature', 1, 1e-3, 100);
    const seed = intOption(values, 'seed', 0, 0);
    const threads = values.threads === undefined ? undefined : intOption(values, 'threads', 1, 1, 1024);
    const schedule = (stringOption(values, 'schedule') ?? 'inverse-linear') as AnnealingSchedule;
    if (schedule !== 'inverse-linear' && schedule !== 'geometric') throw new UserError(`--schedule must be 'inverse-linear' or 'geometric', got '${String(schedule)}'`);

    await initSymmetry();
    let template: McmcTemplate;
    try {
      template = parseTemplate(templateText, spaceGroup);
      const elements = stringOption(values, 'elements');
      if (elements) template.allowedElements = parseElementList(elements, '--elements');
      if (Array.isArray(values.tie)) {
        template.ties = values.tie.map((t) => {
          const m = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(String(t));
          if (!m) throw new Error(`--tie '${String(t)}': expected I:J (site J takes site I's element, 1-based)`);
          return [Number(m[1]) - 1, Number(m[2]) - 1] as [number, number];
        });
      }
    } catch (error) {
      throw new UserError(`--template: ${(error as Error).message}`);
    }
    let resolved;
    try {
      resolved = resolveTemplate(template);
    } catch (error) {
      throw new UserError((error as Error).message);
    }
    if (sweeps > 0 && movableSites(resolved).length === 0) throw new UserError('the template fixes every element and coordinate: nothing to sample (mask an element with ? or leave a free coordinate unfixed)');
    let model;
    try {
      model = await loadModel(stringOption(values, 'model') ?? 'default');
    } catch (error) {
      throw new UserError((error as Error).message);
    }

    const mcmc = await CrystalMcmc.create(model.config, model.params, threads ? { threads } : {});
    const writer = new SampleWriter(outDir);
    const statsPath = join(outDir, 'mcmc.jsonl');
    writeFileSync(statsPath, '');
    const bar = new ProgressBar({ total: sweeps, label: 'mcmc', unit: 'sweep' });
    let built = 0;
    let matched = 0;
    try {
      const result = await mcmc.run(resolved, {
        chains,
        sweeps,
        temperatureStart,
        temperatureEnd,
        schedule,
        width,
        seed,
        onSweep: (s) => {
          appendFileSync(statsPath, JSON.stringify(s) + '\n');
          bar.update(s.sweep, `T=${s.temperature.toFixed(3)} acc=${(100 * s.acceptance).toFixed(1)}% <logp>=${s.meanLogp.toFixed(2)}`);
        },
      });
      bar.finish();
      ctx.log(`sampling lattices for ${chains} chains…`);
      const crystals = await mcmc.sampleLattices(result, { seed, temperature: latticeTemperature });
      // Best chains first, as CrystalFormer sorts its samples by log-probability.
      const order = crystals.map((_, i) => i).sort((a, b) => result.chains[b]!.logp - result.chains[a]!.logp);
      for (const i of order) {
        const written = writer.write(crystals[i]!);
        if (written.cif) built++;
        if (written.record.spaceGroupFound === written.record.spaceGroupRequested) matched++;
      }
      const last = result.sweeps.at(-1);
      const summary = {
        chains,
        sweeps,
        steps: result.steps,
        stepsPerSecond: result.stepsPerSecond,
        chainStepsPerSecond: result.stepsPerSecond * chains,
        finalAcceptance: last?.acceptance ?? null,
        meanAcceptance: result.sweeps.length ? result.sweeps.reduce((a, s) => a + s.acceptance, 0) / result.sweeps.length : null,
        finalMeanLogp: last?.meanLogp ?? null,
        built,
        spaceGroupMatched: matched,
        seconds: result.seconds,
        out: outDir,
      };
      if (values.json) ctx.out(JSON.stringify(summary, null, 2) + '\n');
      else {
        ctx.out(
          `${chains} chains × ${sweeps} sweeps (${result.steps} MH steps, ${result.stepsPerSecond.toFixed(2)} steps/s) → ${outDir}: ${built} CIFs, ${matched} with space group ${spaceGroup}; ` +
            `acceptance ${summary.meanAcceptance === null ? '—' : (100 * summary.meanAcceptance).toFixed(1) + '%'} mean, ${summary.finalAcceptance === null ? '—' : (100 * summary.finalAcceptance).toFixed(1) + '%'} last sweep\n`,
        );
      }
    } finally {
      await mcmc.release();
    }
  },
};
