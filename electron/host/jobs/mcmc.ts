/**
 * Job 'mcmc': what `cfstudio mcmc` does (electron/cli/commands/mcmc.ts) — Metropolis–Hastings over a template,
 * annealed from tStart to tEnd — with every sweep's statistics streamed (and appended to mcmc.jsonl in the job
 * folder) and the final crystals written by the engine's SampleWriter and stored in the library (source 'mcmc')
 * the way 'generate' stores its samples. Cancel is honoured between sweeps: the run stops, and the chains'
 * unfinished states are discarded (nothing is stored).
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { atomicNumber, elementSymbol, isElementSymbol } from '../../../shared/crystal/elements.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { loadModel } from '../../engine/model/files.ts';
import { SampleWriter } from '../../engine/sample/sample-writer.ts';
import { CrystalMcmc, type McmcTemplate, movableSites, parseTemplate, resolveTemplate } from '../../engine/mcmc/index.ts';
import type { JsonObject } from '../../library/index.ts';
import type { JobRunner } from './types.ts';
import { throttled, workspaceLibrary } from './library-handle.ts';
import { checkpoint } from './read-sources.ts';
import { candidateOf, isValidSample, storeBuiltSample } from './sample-rows.ts';

type Params = Parameters<JobRunner<'mcmc'>>[0];

/** The engine's template for the job's params; throws a readable error naming the field. */
export function templateFromParams(params: Params): McmcTemplate {
  let template: McmcTemplate;
  try {
    template = parseTemplate(params.template, params.spaceGroup);
  } catch (error) {
    throw new Error(`template: ${(error as Error).message}`);
  }
  if (params.elements) {
    template.allowedElements = params.elements.map((symbol) => {
      if (!isElementSymbol(symbol)) throw new Error(`elements: '${symbol}' is not an element symbol`);
      return atomicNumber(symbol);
    });
  }
  if (params.ties) {
    for (const [i, j] of params.ties) {
      if (i >= template.sites.length || j >= template.sites.length) throw new Error(`ties: [${i}, ${j}] names a site the template does not have (it has ${template.sites.length})`);
    }
    template.ties = params.ties.map(([i, j]) => [i, j] as [number, number]);
  }
  return template;
}

export const mcmc: JobRunner<'mcmc'> = async (params, context) => {
  const started = performance.now();
  await initSymmetry();
  const template = templateFromParams(params);
  const resolved = resolveTemplate(template);
  if (params.sweeps > 0 && movableSites(resolved).length === 0) {
    throw new Error('template: it fixes every element and coordinate, so there is nothing to sample (mask an element with ? or leave a free coordinate unfixed)');
  }
  const model = await loadModel(params.model);
  const library = workspaceLibrary(context.workspace);
  const changed = throttled(() => context.libraryChanged());
  const config: JsonObject = { ...(JSON.parse(JSON.stringify(params)) as JsonObject), modelDir: model.dir, modelParameters: model.card.parameterCount };
  const run = library.createRun({ kind: 'mcmc', name: `mcmc ${params.spaceGroup} ${params.template} (${params.chains} chains)`, status: 'running', config });
  const fixedElements = resolved.fixedElement.flatMap((z) => (z === null ? [] : [elementSymbol(z)]));
  const prompt = library.addPrompt({ runId: run.id, spaceGroup: params.spaceGroup, elements: [...new Set([...fixedElements, ...(params.elements ?? [])])], spec: config });
  const counts = { stored: 0, valid: 0, spaceGroupMatched: 0 };
  const sampler = await CrystalMcmc.create(model.config, model.params);
  const statsPath = join(context.outputDir, 'mcmc.jsonl');
  writeFileSync(statsPath, '');
  let sweepsDone = 0;
  try {
    context.progress({ done: 0, total: params.sweeps, message: `${params.chains} chains, model '${params.model}' (seed ${params.seed})` });
    const result = await sampler.run(resolved, {
      chains: params.chains,
      sweeps: params.sweeps,
      temperatureStart: params.tStart,
      temperatureEnd: params.tEnd,
      schedule: params.schedule,
      width: params.width,
      seed: params.seed,
      onSweep: (s) => {
        sweepsDone = s.sweep;
        appendFileSync(statsPath, JSON.stringify(s) + '\n');
        context.output({ kind: 'sweep', sweep: s.sweep, sweeps: params.sweeps, temperature: s.temperature, acceptance: s.acceptance, meanLogp: s.meanLogp, maxLogp: s.maxLogp, seconds: s.seconds });
        context.progress({ done: s.sweep, total: params.sweeps, message: `sweep ${s.sweep}/${params.sweeps}: T ${s.temperature.toFixed(3)}, acceptance ${(100 * s.acceptance).toFixed(1)} %, mean log p ${s.meanLogp.toFixed(2)}` });
        // Throwing here ends the run between sweeps once the user has cancelled.
        context.signal.throwIfAborted();
      },
    });
    await checkpoint(context.signal);
    context.progress({ done: params.sweeps, total: params.sweeps, message: `sampling lattices for ${params.chains} chains` });
    const crystals = await sampler.sampleLattices(result, { seed: params.seed, temperature: params.latticeTemperature });
    const writer = new SampleWriter(context.outputDir);
    // Best chains first, as CrystalFormer sorts its samples by log-probability.
    const order = crystals.map((_, i) => i).sort((a, b) => result.chains[b]!.logp - result.chains[a]!.logp);
    for (const i of order) {
      const built = writer.write(crystals[i]!);
      if (isValidSample(built)) counts.valid++;
      if (built.record.spaceGroupFound === built.record.spaceGroupRequested) counts.spaceGroupMatched++;
      const id = storeBuiltSample(library, built, { source: 'mcmc', runId: run.id, promptId: prompt.id, extraValidity: { chainLogp: result.chains[i]!.logp } });
      if (id !== null) {
        counts.stored++;
        changed.call();
      }
      context.output({ kind: 'crystal', ...candidateOf(built, id) });
    }
    const last = result.sweeps.at(-1);
    const meanAcceptance = result.sweeps.length ? result.sweeps.reduce((a, s) => a + s.acceptance, 0) / result.sweeps.length : null;
    const seconds = (performance.now() - started) / 1000;
    library.updateRun(run.id, { status: 'completed', timings: { mcmc: result.seconds, total: seconds }, config: { ...config, counts: { ...counts }, meanAcceptance, steps: result.steps } });
    return { runId: run.id, chains: params.chains, sweeps: params.sweeps, steps: result.steps, meanAcceptance, finalMeanLogp: last?.meanLogp ?? null, ...counts, seconds };
  } catch (error) {
    const cancelled = context.signal.aborted;
    library.updateRun(run.id, {
      status: cancelled ? 'cancelled' : 'failed',
      error: cancelled ? `cancelled by the user after ${sweepsDone} of ${params.sweeps} sweeps` : (error as Error).message,
      config: { ...config, counts: { ...counts } },
    });
    throw error;
  } finally {
    changed.flush();
    await sampler.release();
  }
};
