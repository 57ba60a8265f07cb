import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { buildStructure } from '../../../shared/symmetry/analyze.ts';
import { writeCifP1 } from '../../../shared/io/cif-writer.ts';
import { Rng } from '../../../shared/random.ts';
import { prepareDataset } from '../../../electron/data/prepare.ts';
import { MODEL_PRESETS } from '../../../electron/engine/model/config.ts';
import { DEFAULT_TRAINING, runPretraining, type TrainingConfig } from '../../../electron/engine/train/pretrain.ts';
import { ParameterStore } from '../../../electron/engine/params.ts';

let dir: string;
let dataDir: string;

/**
 * A small corpus of real prototypes with varied elements and cell sizes: rock salt (225 a, b), CsCl (221 a, b),
 * fluorite (225 a, c) and wurtzite (186 b, b with a free z).
 */
async function writeCorpus(path: string, count: number): Promise<void> {
  const rng = new Rng(11);
  const cations = ['Na', 'K', 'Mg', 'Ca', 'Sr', 'Ba', 'Li', 'Zn', 'Cd', 'Ni'];
  const anions = ['O', 'S', 'Se', 'Cl', 'Br', 'F', 'I', 'Te'];
  const rows = ['material_id,cif'];
  for (let i = 0; i < count; i++) {
    const cation = cations[rng.int(cations.length)]!;
    const anion = anions[rng.int(anions.length)]!;
    const a = 3 + 3 * rng.next();
    const kind = i % 4;
    const description =
      kind === 0
        ? { spaceGroup: 225, lattice: { a, b: a, c: a, alpha: 90, beta: 90, gamma: 90 }, sites: [{ letter: 'a', species: cation, frac: [0, 0, 0] }, { letter: 'b', species: anion, frac: [0.5, 0.5, 0.5] }] }
        : kind === 1
          ? { spaceGroup: 221, lattice: { a, b: a, c: a, alpha: 90, beta: 90, gamma: 90 }, sites: [{ letter: 'a', species: cation, frac: [0, 0, 0] }, { letter: 'b', species: anion, frac: [0.5, 0.5, 0.5] }] }
          : kind === 2
            ? { spaceGroup: 225, lattice: { a: a + 2, b: a + 2, c: a + 2, alpha: 90, beta: 90, gamma: 90 }, sites: [{ letter: 'a', species: cation, frac: [0, 0, 0] }, { letter: 'c', species: anion, frac: [0.25, 0.25, 0.25] }] }
            : { spaceGroup: 186, lattice: { a, b: a, c: a * 1.6, alpha: 90, beta: 90, gamma: 120 }, sites: [{ letter: 'b', species: cation, frac: [1 / 3, 2 / 3, 0] }, { letter: 'b', species: anion, frac: [1 / 3, 2 / 3, 0.375 + 0.02 * rng.next()] }] };
    const cif = writeCifP1(buildStructure(description as Parameters<typeof buildStructure>[0]), { dataName: `c${i}` });
    rows.push(`c${i},"${cif.replaceAll('"', '""')}"`);
  }
  await writeFile(path, rows.join('\n') + '\n');
}

beforeAll(async () => {
  await initSymmetry();
  dir = await mkdtemp(join(tmpdir(), 'cfstudio-train-'));
  dataDir = join(dir, 'data');
  await writeCorpus(join(dir, 'corpus.csv'), 96);
  await prepareDataset({ inputs: [join(dir, 'corpus.csv')], outDir: dataDir, valFraction: 0.25, workers: 0 });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const config: TrainingConfig = {
  ...DEFAULT_TRAINING,
  model: MODEL_PRESETS.tiny!,
  batchSize: 16,
  epochs: 6,
  learningRate: 3e-3,
  warmupSteps: 5,
  validateEverySteps: 8,
  checkpointEveryMinutes: 1000,
};

async function finalWeights(runDir: string): Promise<ParameterStore> {
  const { listCheckpoints, loadCheckpoint } = await import('../../../electron/engine/checkpoint.ts');
  const all = await listCheckpoints(join(runDir, 'checkpoints'));
  return (await loadCheckpoint(all.at(-1)!.path)).params;
}

describe('pretraining', () => {
  it('lowers the validation NLL, and a run stopped mid-epoch resumes to exactly the same weights', async () => {
    const quiet = () => {};
    const straight = join(dir, 'straight');
    const result = await runPretraining({ trainData: dataDir, outDir: straight, config, resume: false, log: quiet });
    expect(result.status).toBe('finished');
    const metrics = (await readFile(join(straight, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { kind: string; nll?: { total: number } });
    const validations = metrics.filter((m) => m.kind === 'val').map((m) => m.nll!.total);
    expect(validations.length).toBeGreaterThanOrEqual(3);
    expect(validations.at(-1)!).toBeLessThan(validations[0]! - 1);

    // Same run, stopped after 7 updates (mid-epoch), then resumed from its checkpoint.
    const interrupted = join(dir, 'interrupted');
    const controller = new AbortController();
    const first = await runPretraining({
      trainData: dataDir,
      outDir: interrupted,
      config,
      resume: false,
      log: quiet,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.step === 7) controller.abort();
      },
    });
    expect(first.status).toBe('stopped');
    expect(first.step).toBe(7);
    // A crash after the checkpoint at update 7 would have left lines of later updates, the last one cut off:
    // resuming runs those updates again, so their old lines must go.
    await appendFile(join(interrupted, 'metrics.jsonl'), JSON.stringify({ kind: 'val', step: 8, nll: { total: 1 } }) + '\n{"kind":"tr');
    const second = await runPretraining({ trainData: dataDir, outDir: interrupted, config, resume: true, log: quiet });
    expect(second.status).toBe('finished');
    expect(second.step).toBe(result.step);
    const a = await finalWeights(straight);
    const b = await finalWeights(interrupted);
    for (const name of a.names()) expect(Array.from(b.get(name))).toEqual(Array.from(a.get(name)));
    // The resumed run's metrics hold each update once, with the numbers of the run that went straight through.
    const lines = async (run: string) =>
      (await readFile(join(run, 'metrics.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { kind: string; step: number; nll?: { total: number } })
        .map((m) => [m.kind, m.step, m.nll?.total]);
    expect(await lines(interrupted)).toEqual(await lines(straight));
  });

  it('refuses to overwrite an existing run without --resume', async () => {
    await expect(runPretraining({ trainData: dataDir, outDir: join(dir, 'straight'), config, resume: false, log: () => {} })).rejects.toThrow(/--resume/);
  });
});
