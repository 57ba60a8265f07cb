import { cpus } from 'node:os';
import { type Command, PROVIDERS_OPTION, UserError, intOption, numberOption, requiredString, stringOption } from '../command.ts';
import { ProgressBar } from '../progress.ts';
import { checkOutputDirectory } from '../output-paths.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { loadModel } from '../../engine/model/files.ts';
import { type DrawStatistics, HOPELESS_AFTER_DRAWS, MAX_DRAWS_PER_CRYSTAL } from '../../engine/sample/sampler.ts';
import { elementSymbol } from '../../../shared/crystal/elements.ts';
import { SampleWriter } from '../../engine/sample/sample-writer.ts';
import { DEFAULT_BATCH_SIZE, runGeneration } from '../../engine/sample/generate.ts';
import { type SamplingConditions, parseElementList, validateConditions } from '../../engine/sample/conditions.ts';

/** Parse the generation conditions shared by generate (and the host job) from CLI-style strings. */
export function conditionsFromOptions(values: Record<string, unknown>, spaceGroupCounts: number[]): SamplingConditions {
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const sg = text('spacegroup');
  const conditions: SamplingConditions = {
    spaceGroups: sg
      ? { kind: 'list', groups: sg.split(',').map((s) => Number(s.trim())) }
      : { kind: 'distribution', weights: spaceGroupCounts },
  };
  const full = text('wyckoff');
  const prefix = text('wyckoff-prefix');
  if (full && prefix) throw new UserError('give either --wyckoff (the whole sequence) or --wyckoff-prefix (the first sites), not both');
  if (full || prefix) conditions.wyckoffPrompt = { letters: (full ?? prefix)!.split(',').map((s) => s.trim()).filter(Boolean), complete: Boolean(full) };
  const wrap = <T>(f: () => T): T => {
    try {
      return f();
    } catch (error) {
      throw new UserError((error as Error).message);
    }
  };
  if (text('elements')) conditions.allowedElements = wrap(() => parseElementList(text('elements')!, '--elements'));
  if (text('require')) conditions.requiredElements = wrap(() => parseElementList(text('require')!, '--require'));
  if (text('site-elements')) {
    conditions.siteElements = text('site-elements')!
      .split(';')
      .map((part, i) => (part.trim() === '*' || part.trim() === '' ? null : wrap(() => parseElementList(part, `--site-elements site ${i + 1}`))));
  }
  const ties = values.tie;
  if (Array.isArray(ties)) {
    conditions.ties = ties.map((t) => {
      const m = /^(\d+):(\d+)$/.exec(String(t).trim());
      if (!m) throw new UserError(`--tie '${String(t)}': expected I:J (site J takes site I's element, 1-based)`);
      return [Number(m[1]) - 1, Number(m[2]) - 1] as [number, number];
    });
  }
  if (values['no-radioactive']) conditions.excludeRadioactiveAndNobleGases = true;
  if (text('max-atoms')) conditions.maxAtoms = intOption(values as never, 'max-atoms', 0, 1);
  if (text('max-sites')) conditions.maxSites = intOption(values as never, 'max-sites', 20, 1, 20);
  wrap(() => validateConditions(conditions));
  return conditions;
}

export const generateCommand: Command = {
  path: ['generate'],
  summary: 'Sample crystals from a model: symmetrized CIFs plus samples.jsonl (tokens, log-probabilities, space group requested/found)',
  options: {
    providers: PROVIDERS_OPTION,
    spacegroup: { type: 'string', description: 'space group number(s), e.g. 225 or 225,221 (default: the training distribution)', valueName: 'G[,G…]' },
    wyckoff: { type: 'string', description: 'the whole Wyckoff sequence, e.g. a,c,f', valueName: 'LETTERS' },
    'wyckoff-prefix': { type: 'string', description: 'the first Wyckoff letters; the model continues', valueName: 'LETTERS' },
    elements: { type: 'string', description: 'elements allowed anywhere, e.g. Na,Cl,K', valueName: 'LIST' },
    'site-elements': { type: 'string', description: "per prompted site, ';'-separated, '*' = any: 'Na,K;Cl;*'", valueName: 'SETS' },
    tie: { type: 'string', multiple: true, description: "site J takes site I's element (1-based), repeatable: --tie 1:3", valueName: 'I:J' },
    require: { type: 'string', description: 'every crystal must contain all of these elements', valueName: 'LIST' },
    'no-radioactive': { type: 'boolean', description: 'exclude radioactive elements and noble gases' },
    'max-atoms': { type: 'string', description: 'maximum atoms in the conventional cell', valueName: 'N' },
    'max-sites': { type: 'string', description: 'maximum Wyckoff sites (≤ 20)', valueName: 'N' },
    n: { type: 'string', short: 'n', description: 'number of crystals (default 100)', valueName: 'N' },
    temperature: { type: 'string', description: 'sampling temperature (default 1)', valueName: 'T' },
    'top-p': { type: 'string', description: 'nucleus sampling threshold (default 1)', valueName: 'P' },
    seed: { type: 'string', description: 'random seed (default 0): the same seed gives the same crystals', valueName: 'N' },
    'batch-size': { type: 'string', description: 'crystals decoded together (default 256)', valueName: 'N' },
    pipelines: { type: 'string', description: `worker threads that each sample and build whole batches (default: one per core on 3 or more cores — ${cpus().length} here — when there are at least two batches for each, else 1: on 2 cores one pipeline keeps both busy at less CPU); 1 = sample here, build in one worker. The crystals do not depend on it`, valueName: 'N' },
    threads: { type: 'string', description: 'one pipeline only: threads that sample, each decoding its share of every batch (default 1). The crystals do not depend on it beyond float32 rounding', valueName: 'N' },
    model: { type: 'string', description: 'model name in models/ or a model folder (default: default)', valueName: 'NAME|DIR' },
    out: { type: 'string', description: 'output folder (CIFs and samples.jsonl; appended to if it exists)', valueName: 'DIR' },
    json: { type: 'boolean', description: 'print a JSON summary' },
  },
  async run(values, _positionals, ctx) {
    const outDir = requiredString(values, 'out');
    await checkOutputDirectory(outDir, ['samples.jsonl']);
    const count = intOption(values, 'n', 100, 1, 10_000_000);
    const temperature = numberOption(values, 'temperature', 1, 1e-3, 100);
    const topP = numberOption(values, 'top-p', 1, 1e-6, 1);
    const seed = intOption(values, 'seed', 0, 0);
    const batchSize = intOption(values, 'batch-size', DEFAULT_BATCH_SIZE, 1, 4096);
    const samplingThreads = intOption(values, 'threads', 1, 1, 64);
    const pipelines = stringOption(values, 'pipelines') !== undefined ? intOption(values, 'pipelines', 1, 1, 64) : undefined;
    if (samplingThreads > 1 && pipelines !== undefined && pipelines > 1) throw new UserError('generate: --threads splits the batches of one pipeline; use it with --pipelines 1 (or without --pipelines)');
    await initSymmetry();
    let model;
    try {
      model = await loadModel(stringOption(values, 'model') ?? 'default');
    } catch (error) {
      throw new UserError((error as Error).message);
    }
    const conditions = conditionsFromOptions(values, model.card.spaceGroupCounts);
    const bar = new ProgressBar({ total: count, label: 'generate', unit: 'crystal' });
    let done = 0;
    let built = 0;
    let valid = 0;
    let matched = 0;
    const started = performance.now();
    const generation = runGeneration({
      model,
      conditions,
      count,
      sampling: { temperature, topP, seed, batchSize },
      writer: new SampleWriter(outDir),
      // An explicit --pipelines is obeyed; otherwise runGeneration's default.
      pipelines: samplingThreads > 1 ? 1 : pipelines,
      samplingThreads,
      structures: false,
      onProgress: (n) => bar.update(n),
      onNote: (note) => ctx.log(`note: ${note}`),
    });
    for await (const result of generation.crystals) {
      done++;
      if (result.cif) built++;
      if (result.record.structurallyValid) valid++;
      if (result.record.spaceGroupFound === result.record.spaceGroupRequested) matched++;
    }
    const seconds = bar.finish();
    if (done < count) ctx.log(shortfallMessage(done, count, generation.statistics, conditions));
    // Only structurally valid crystals are analysed for symmetry (overlapping atoms have no meaningful group), so the
    // match is counted among those; `cfstudio evaluate` analyses every readable CIF instead.
    const summary = { samples: done, built, structurallyValid: valid, spaceGroupMatched: matched, seconds: (performance.now() - started) / 1000, crystalsPerSecond: done / seconds, out: outDir };
    if (values.json) ctx.out(JSON.stringify(summary, null, 2) + '\n');
    else ctx.out(`${done} crystals in ${outDir} (${built} built, ${valid} structurally valid, ${matched} of those in the requested space group) at ${summary.crystalsPerSecond.toFixed(1)} crystals/s\n`);
  },
};

/** Why a run with whole-crystal conditions (--require) ended with fewer crystals than -n asked for. */
export function shortfallMessage(done: number, count: number, statistics: DrawStatistics, conditions: SamplingConditions): string {
  const required = (conditions.requiredElements ?? []).map((z) => elementSymbol(z)).join(',');
  const percent = statistics.kept > 0 ? ((100 * statistics.kept) / statistics.drawn).toPrecision(2) : '0';
  return (
    `generate: only ${done} of ${count} crystals: ${statistics.kept} of ${statistics.drawn} crystals drawn (${percent} %) contained every element of --require ${required}; ` +
    `each batch stops after ${MAX_DRAWS_PER_CRYSTAL} draws per crystal asked for, or after ${HOPELESS_AFTER_DRAWS} draws with none. ` +
    'Relax --require, --elements or the prompt, or raise --temperature, to draw such crystals more often.'
  );
}
