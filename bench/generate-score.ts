/**
 * `npm run bench:generate-score`: what the Generate panel's "score E_hull" toggle costs. Runs the engine host's
 * 'generate' job (in this process, the job's own code) on N crystals (CFSTUDIO_BENCH_N, default 200; space groups
 * from the training distribution of models/default, seed 1) once without and once with `scoreEHull`, in a fresh
 * workspace each, and prints:
 *   - wall time of each run and the difference;
 *   - the time the scored run spent loading the potential and the hull (its library run's `timings.scoreLoad`,
 *     once per job) and scoring (`timings.score`), and both as a share of the unscored run's generation time —
 *     the number the default of the toggle is decided on (on only when ≤ 20 %).
 * CPU seconds (this process, all threads: the sampler's pipelines, the builder worker, onnxruntime) are printed
 * too: on a loaded shared machine they vary less than wall time.
 * Repeat with CFSTUDIO_BENCH_REPEAT (default 1) to see the noise; on a shared machine also read /proc/loadavg.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateParamsSchema, type GeneratedCandidate } from '../shared/api/jobs.ts';
import { generate } from '../electron/host/jobs/generate.ts';
import { openLibrary } from '../electron/library/index.ts';

const count = Number(process.env.CFSTUDIO_BENCH_N ?? 200);
const repeat = Number(process.env.CFSTUDIO_BENCH_REPEAT ?? 1);
if (!(Number.isInteger(count) && count > 0)) throw new Error(`CFSTUDIO_BENCH_N must be a positive integer, got ${process.env.CFSTUDIO_BENCH_N}`);

async function run(scoreEHull: boolean): Promise<{ seconds: number; cpuSeconds: number; scoreSeconds: number; loadSeconds: number; scored: number; valid: number }> {
  const workspace = mkdtempSync(join(tmpdir(), 'cfstudio-bench-score-'));
  try {
    const outputs: GeneratedCandidate[] = [];
    const params = generateParamsSchema.parse({ n: count, seed: 1, scoreEHull });
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    const result = await generate(params, {
      signal: new AbortController().signal,
      workspace,
      outputDir: join(workspace, 'job'),
      progress: () => {},
      output: (item) => outputs.push(item),
      libraryChanged: () => {},
    });
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuStarted);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const library = openLibrary(workspace, { readonly: true });
    const timings = library.getRun(result.runId)!.timings;
    library.close();
    return { seconds, cpuSeconds, scoreSeconds: timings['score'] ?? 0, loadSeconds: timings['scoreLoad'] ?? 0, scored: outputs.filter((o) => o.score?.eHull !== null && o.score !== undefined).length, valid: result.valid };
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

console.log(`generate job, ${count} crystals (training space-group distribution, seed 1); load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
for (let r = 0; r < repeat; r++) {
  const off = await run(false);
  const on = await run(true);
  console.log(`  without scoring: ${off.seconds.toFixed(1)} s wall, ${off.cpuSeconds.toFixed(1)} CPU s (${off.valid} valid)`);
  console.log(`  with scoring:    ${on.seconds.toFixed(1)} s wall, ${on.cpuSeconds.toFixed(1)} CPU s; ${on.scored} crystals got an E_hull; loading the potential and hull ${on.loadSeconds.toFixed(1)} s, scoring ${on.scoreSeconds.toFixed(1)} s`);
  const share = (x: number) => `${((100 * x) / off.seconds).toFixed(0)} %`;
  console.log(`  cost / unscored generation time: scoring ${share(on.scoreSeconds)}, loading + scoring ${share(on.scoreSeconds + on.loadSeconds)}; wall-time difference ${share(on.seconds - off.seconds)}; CPU-time difference ${((100 * (on.cpuSeconds - off.cpuSeconds)) / off.cpuSeconds).toFixed(0)} %`);
}
console.log(`load after: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
