/**
 * Job 'generate': sample crystals from a shipped model under the user's prompt and store every one in the
 * workspace library as soon as it is built (one commit per crystal, so a crash loses at most the one in flight).
 * Sampling, building and writing into the job folder (CIF + samples.jsonl line with the tokens and per-type
 * log-probabilities) is the engine's runGeneration, as for `cfstudio generate`. Cancel is noticed between crystals;
 * the sampler decodes `batchSize` crystals at a time, so a cancel takes effect within one batch.
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
  try {
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
      context.output(candidateOf(built, id));
    }
    const seconds = (performance.now() - started) / 1000;
    library.updateRun(run.id, {
      status: 'completed',
      timings: { load: loadSeconds, sample: (performance.now() - sampleStarted) / 1000 },
      config: { ...config, counts: { ...counts } },
    });
    return { runId: run.id, seed, ...counts, seconds };
  } catch (error) {
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
  }
};
