/**
 * Job 'generate': sample crystals from a shipped model under the user's prompt and store every one in the
 * workspace library as soon as it is built (one commit per crystal, so a crash loses at most the one in flight).
 * Sampling, building and writing into the job folder (CIF + samples.jsonl line with the tokens and per-type
 * log-probabilities) is the engine's runGeneration, as for `cfstudio generate`. Cancel is noticed between crystals;
 * the sampler decodes `batchSize` crystals at a time, so a cancel takes effect within one batch.
 *
 * With `scoreEHull`, crystals are stored as they come but streamed a batch at a time: each batch of structurally
 * valid crystals (read back from their stored CIFs, so the score is that of the structure the library holds) goes
 * to the potential in one call, and the scores are written to the rows in one transaction before the batch is shown.
 */
import { randomInt } from 'node:crypto';
import { atomicNumber, isElementSymbol } from '../../../shared/crystal/elements.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { loadModel } from '../../engine/model/files.ts';
import { type SamplingConditions, validateConditions } from '../../engine/sample/conditions.ts';
import { SampleWriter } from '../../engine/sample/sample-writer.ts';
import { runGeneration } from '../../engine/sample/generate.ts';
import type { JsonObject } from '../../library/index.ts';
import type { JobRunner } from './types.ts';
import { throttled, workspaceLibrary } from './library-handle.ts';
import { candidateOf, isValidSample, storeBuiltSample } from './sample-rows.ts';
import type { GeneratedCandidate } from '../../../shared/api/jobs.ts';
import { readCifStructure } from '../../../shared/io/cif.ts';
import { errorLine } from '../../../shared/text/safe-text.ts';
import { defaultPotentialDir, loadPotential } from '../../engine/potential/load.ts';
import type { Potential } from '../../engine/potential/types.ts';
import { PARTIAL_HULL_NOTE, loadStability } from '../../screening/records.ts';
import { singlePointScores, singlePointStability } from '../../screening/score.ts';
import type { Library, StructureUpdate } from '../../library/index.ts';
import type { StabilityAnalyzer } from '../../stability/index.ts';

type Params = Parameters<JobRunner<'generate'>>[0];

function atomicNumbers(symbols: readonly string[], field: string): number[] {
  return symbols.map((symbol) => {
    if (!isElementSymbol(symbol)) throw new Error(`${field}: '${symbol}' is not an element symbol`);
    return atomicNumber(symbol);
  });
}

/** The engine's sampling conditions for the job's params; throws a readable error for an impossible prompt. */
export function conditionsFromParams(params: Params, spaceGroupCounts: readonly number[]): SamplingConditions {
  const conditions: SamplingConditions = {
    spaceGroups: params.spaceGroups === 'training-distribution' ? { kind: 'distribution', weights: spaceGroupCounts } : { kind: 'list', groups: [...params.spaceGroups] },
  };
  if (params.wyckoff && params.wyckoff.letters.length > 0) conditions.wyckoffPrompt = { letters: [...params.wyckoff.letters], complete: params.wyckoff.complete };
  if (params.elements) conditions.allowedElements = atomicNumbers(params.elements, 'elements');
  if (params.siteElements) conditions.siteElements = params.siteElements.map((set, i) => (set ? atomicNumbers(set, `site ${i + 1} elements`) : null));
  if (params.ties) conditions.ties = params.ties.map(([i, j]) => [i, j] as [number, number]);
  if (params.requiredElements) conditions.requiredElements = atomicNumbers(params.requiredElements, 'required elements');
  if (params.excludeRadioactive) conditions.excludeRadioactiveAndNobleGases = true;
  if (params.maxAtoms !== undefined) conditions.maxAtoms = params.maxAtoms;
  if (params.maxSites !== undefined) conditions.maxSites = params.maxSites;
  validateConditions(conditions);
  return conditions;
}

export const generate: JobRunner<'generate'> = async (params, context) => {
  const started = performance.now();
  await initSymmetry();
  const model = await loadModel(params.model);
  const conditions = conditionsFromParams(params, model.card.spaceGroupCounts);
  const seed = params.seed ?? randomInt(0, 2 ** 32 - 1);
  const library = workspaceLibrary(context.workspace);
  const changed = throttled(() => context.libraryChanged());
  const config: JsonObject = { ...(JSON.parse(JSON.stringify(params)) as JsonObject), seed, modelDir: model.dir, modelParameters: model.card.parameterCount };
  const run = library.createRun({ kind: 'generate', name: `generate ${params.n} (${params.model})`, status: 'running', config });
  const prompt = library.addPrompt({
    runId: run.id,
    ...(Array.isArray(params.spaceGroups) && params.spaceGroups.length === 1 ? { spaceGroup: params.spaceGroups[0]! } : {}),
    elements: params.elements ?? [...new Set((params.siteElements ?? []).flatMap((s) => s ?? []))],
    spec: config,
  });
  const loadSeconds = (performance.now() - started) / 1000;
  const counts = { generated: 0, stored: 0, valid: 0, spaceGroupMatched: 0 };
  const sampleStarted = performance.now();
  let scorer: Scorer | null = null;
  const pending: { built: Parameters<typeof candidateOf>[0]; id: number | null }[] = [];
  const flush = async (score: boolean) => {
    const batch = pending.splice(0);
    const scores = score && scorer ? await scorer.score(batch) : batch.map(() => undefined);
    batch.forEach(({ built, id }, k) => {
      const candidate: GeneratedCandidate = candidateOf(built, id);
      const s = scores[k];
      if (s) candidate.score = s;
      context.output(candidate);
    });
    if (scorer && batch.length) changed.call();
  };
  try {
    if (params.scoreEHull) {
      context.progress({ done: 0, total: params.n, message: 'loading the potential and the reference hull for E_hull' });
      scorer = await createScorer(library);
    }
    context.progress({ done: 0, total: params.n, message: `sampling with model '${params.model}' (seed ${seed})` });
    const generation = runGeneration({
      model,
      conditions,
      count: params.n,
      sampling: { temperature: params.temperature, topP: params.topP, seed, batchSize: params.batchSize },
      writer: new SampleWriter(context.outputDir),
      // One pipeline: the UI shows crystals one by one as they are built (several pipelines deliver whole batches),
      // and a small window keeps them flowing while the next batch is sampled.
      pipelines: 1,
      maxInFlight: 64,
      signal: context.signal,
      onProgress: (done, total) => context.progress({ done, total, message: `${done} of ${total} crystals` }),
    });
    for await (const built of generation.crystals) {
      const { record } = built;
      counts.generated++;
      const valid = isValidSample(built);
      if (valid) counts.valid++;
      if (record.spaceGroupFound === record.spaceGroupRequested) counts.spaceGroupMatched++;
      const id = storeBuiltSample(library, built, { source: 'generated', runId: run.id, promptId: prompt.id });
      if (id !== null) {
        counts.stored++;
        changed.call();
      }
      if (scorer) {
        pending.push({ built, id });
        if (pending.length >= params.batchSize) await flush(true);
      } else context.output(candidateOf(built, id));
    }
    await flush(true);
    const seconds = (performance.now() - started) / 1000;
    library.updateRun(run.id, {
      status: 'completed',
      timings: { load: loadSeconds, sample: (performance.now() - sampleStarted) / 1000, ...(scorer ? { scoreLoad: scorer.seconds().load, score: scorer.seconds().score } : {}) },
      config: { ...config, counts: { ...counts } },
    });
    return { runId: run.id, seed, ...counts, seconds };
  } catch (error) {
    // Crystals already stored but not yet shown: show them, unscored.
    await flush(false).catch(() => undefined);
    const cancelled = context.signal.aborted;
    library.updateRun(run.id, {
      status: cancelled ? 'cancelled' : 'failed',
      error: cancelled ? `cancelled by the user after ${counts.generated} crystals` : (error as Error).message,
      timings: { load: loadSeconds, sample: (performance.now() - sampleStarted) / 1000 },
      config: { ...config, counts: { ...counts } },
    });
    throw error;
  } finally {
    changed.flush();
    await scorer?.close();
  }
};

interface Scorer {
  score(batch: readonly { built: Parameters<typeof candidateOf>[0]; id: number | null }[]): Promise<(GeneratedCandidate['score'] | undefined)[]>;
  /** Seconds spent loading the potential and the hull, and scoring. */
  seconds(): { load: number; score: number };
  close(): Promise<void>;
}

/** Loads the shipped potential and the stability data; scores batches of stored crystals and writes the scores to their rows. */
async function createScorer(library: Library): Promise<Scorer> {
  const started = performance.now();
  const [potential, stability]: [Potential, StabilityAnalyzer | { error: string }] = await Promise.all([loadPotential(defaultPotentialDir()), loadStability()]);
  const loadSeconds = (performance.now() - started) / 1000;
  let seconds = 0;
  return {
    async score(batch) {
      const t0 = performance.now();
      // The structure the library holds (its CIF), for valid crystals only: overlapping atoms give no useful energy.
      const structures = batch.map(({ built, id }) => {
        if (id === null || !isValidSample(built) || !built.cif) return null;
        try {
          return readCifStructure(built.cif).structure;
        } catch {
          return null;
        }
      });
      const scores = await singlePointScores(potential, stability, structures);
      const updates: { id: number; update: StructureUpdate }[] = [];
      const out = batch.map(({ built, id }, k) => {
        const s = scores[k]!;
        if (!s.ok) {
          const error = id === null ? 'not stored' : !isValidSample(built) ? 'not scored: structurally invalid (atoms closer than 0.5 Å)' : s.error;
          return { kind: 'single-point' as const, eHull: null, energyPerAtom: null, formationEnergyPerAtom: null, error };
        }
        const stored = singlePointStability(s, potential.name, PARTIAL_HULL_NOTE);
        if (stored && id !== null) updates.push({ id, update: { stability: stored } });
        return {
          kind: 'single-point' as const,
          eHull: s.eHull,
          energyPerAtom: s.energyPerAtom,
          formationEnergyPerAtom: s.formationEnergyPerAtom,
          ...(s.stabilityError !== undefined ? { error: s.stabilityError } : {}),
        };
      });
      try {
        library.updateStructures(updates);
      } catch (error) {
        for (const o of out) o.error = `score not stored: ${errorLine(error)}`;
      }
      seconds += (performance.now() - t0) / 1000;
      return out;
    },
    seconds: () => ({ load: loadSeconds, score: seconds }),
    close: () => potential.close(),
  };
}
