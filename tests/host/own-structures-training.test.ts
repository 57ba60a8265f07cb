// Training on one's own structures in the real engine host: the 'prepare-dataset' job turns a folder of CIF/POSCAR
// files (or library rows) into a token dataset, naming every file it could not use; the 'train' job with
// `initModel` continues training from a shipped model's weights on it.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobResult } from '../../shared/api/jobs.ts';
import { writeCifP1, writePoscar } from '../../shared/io/index.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { wyckoffTables } from '../../shared/tokens/index.ts';
import { loadDataset } from '../../electron/engine/train/dataset.ts';
import { LikelihoodEvaluator, summarize } from '../../electron/engine/train/evaluate-nll.ts';
import { loadModel } from '../../electron/engine/model/files.ts';
import { CrystalFormerNetwork } from '../../electron/engine/model/network.ts';
import { Graph } from '../../electron/engine/graph/index.ts';
import { ParameterStore } from '../../electron/engine/params.ts';
import { nodeHostLauncher } from '../../electron/host/launcher.ts';
import { JobSupervisor } from '../../electron/host/supervisor.ts';
import { BROKEN_CIF, CORPUS_ANIONS, CORPUS_CATIONS, CSCL, NACL } from './fixtures.ts';
import { rockSaltCsClCells } from '../../scripts/own-structures.ts';

const workspace = mkdtempSync(join(tmpdir(), 'cfstudio-own-training-'));
const folder = join(workspace, 'my-structures');
const supervisor = new JobSupervisor({ workspace, launcher: nodeHostLauncher({ forwardStderr: false }), onEvent: () => {}, log: () => {} });

/** Rock-salt (225) and CsCl-type (221) cells with random ions and cubic cells of 3–6 Å, one file each. */
function writeCorpus(count: number, seed: number): void {
  rockSaltCsClCells(count, seed, CORPUS_CATIONS, CORPUS_ANIONS).forEach((structure, i) => {
    // Every third one as a POSCAR, the others as P1 CIFs: both formats a scientist keeps.
    if (i % 3 === 2) writeFileSync(join(folder, `c${String(i).padStart(2, '0')}.vasp`), writePoscar(structure, { comment: `c${i}` }));
    else writeFileSync(join(folder, `c${String(i).padStart(2, '0')}.cif`), writeCifP1(structure, { dataName: `c${i}` }));
  });
}

beforeAll(async () => {
  await initSymmetry();
  mkdirSync(folder);
  writeCorpus(40, 11);
  writeFileSync(join(folder, 'broken.cif'), BROKEN_CIF); // _cell_length_a abc
  writeFileSync(join(folder, 'notes.txt'), 'not a structure'); // ignored: not a structure file name
  // Two data blocks in one file: each is a structure of its own.
  writeFileSync(join(folder, 'two-blocks.cif'), `${NACL.cif}\n${CSCL.cif}`);
  await supervisor.start();
}, 60_000);
afterAll(async () => {
  await supervisor.stop();
  rmSync(workspace, { recursive: true, force: true });
});

describe('prepare-dataset job', () => {
  it('prepares a folder of CIF and POSCAR files, naming the bad file with its reason and line', async () => {
    const job = await supervisor.waitFor(supervisor.submit('prepare-dataset', { source: { folder: 'my-structures' }, out: 'datasets/mine', valFraction: 0.25 }).id);
    expect(job.error).toBeUndefined();
    expect(job.status).toBe('completed');
    const result = job.result as JobResult<'prepare-dataset'>;
    // 40 corpus files + 2 blocks of two-blocks.cif + broken.cif; notes.txt is not read.
    expect(result.structures).toBe(43);
    const broken = result.skipped.find((s) => s.source === 'broken.cif');
    expect(broken).toBeDefined();
    expect(broken!.reason).toBe('parse error');
    expect(broken!.message).toBe("line 3: _cell_length_a is 'abc', not a number");
    expect(result.skipped.some((s) => s.source.includes('notes.txt'))).toBe(false);
    // The dataset on disk holds the rest, split as reported, and the two blocks count as two crystals.
    const all = await loadDataset(join(workspace, 'datasets/mine'));
    const duplicates = result.skipped.filter((s) => s.reason === 'duplicate').length;
    expect(all.count).toBe(42 - duplicates);
    expect(result.train + result.val).toBe(all.count);
    expect(result.val).toBeGreaterThan(0);
    expect(all.ids).toContain('two-blocks.cif#NaCl');
    expect(all.ids).toContain('two-blocks.cif#CsCl');
    expect(all.ids).toContain('c02.vasp');
    expect(new Set(all.spaceGroup)).toEqual(new Set([221, 225]));
  }, 120_000);

  it('fails naming every file when none is usable, refuses an existing dataset and a missing folder', async () => {
    mkdirSync(join(workspace, 'only-bad'));
    writeFileSync(join(workspace, 'only-bad', 'broken.cif'), BROKEN_CIF);
    writeFileSync(join(workspace, 'only-bad', 'POSCAR'), 'just a title\n1.0\n');
    const bad = await supervisor.waitFor(supervisor.submit('prepare-dataset', { source: { folder: 'only-bad' }, out: 'datasets/bad' }).id);
    expect(bad.status).toBe('failed');
    expect(bad.error).toMatch(/^no usable structure: POSCAR: parse error \(line 3: file ends too early .*\); broken\.cif: parse error \(line 3: _cell_length_a is 'abc'/);
    expect(existsSync(join(workspace, 'datasets/bad'))).toBe(false);

    const again = await supervisor.waitFor(supervisor.submit('prepare-dataset', { source: { folder: 'my-structures' }, out: 'datasets/mine' }).id);
    expect(again.status).toBe('failed');
    expect(again.error).toMatch(/datasets\/mine already holds a prepared dataset/);

    const missing = await supervisor.waitFor(supervisor.submit('prepare-dataset', { source: { folder: 'nowhere' }, out: 'datasets/x' }).id);
    expect(missing.status).toBe('failed');
    expect(missing.error).toMatch(/source\.folder: .*nowhere does not exist/);
    expect(() => supervisor.submit('prepare-dataset', { source: { folder: '../outside' }, out: 'datasets/y' })).toThrow(/outside the workspace/);
  }, 120_000);

  it('prepares library rows (imported here) by id', async () => {
    const imported = await supervisor.waitFor(
      supervisor.submit('import-structures', { sources: [{ name: 'NaCl.cif', text: NACL.cif }, { name: 'CsCl.cif', text: CSCL.cif }] }).id,
    );
    expect(imported.status).toBe('completed');
    const ids = (supervisor.outputs(imported.id) as Array<{ id?: number }>).map((o) => o.id).filter((id): id is number => typeof id === 'number');
    expect(ids).toHaveLength(2);
    const job = await supervisor.waitFor(supervisor.submit('prepare-dataset', { source: { library: { ids: [...ids, 999_999] } }, out: 'datasets/from-library', valFraction: 0 }).id);
    expect(job.status).toBe('completed');
    const result = job.result as JobResult<'prepare-dataset'>;
    expect(result.train).toBe(2);
    expect(result.skipped).toEqual([{ source: 'library #999999', reason: 'parse error', message: 'no structure with this id in the library' }]);
    const data = await loadDataset(join(workspace, 'datasets/from-library'));
    expect([...data.spaceGroup].sort()).toEqual([221, 225]);
  }, 120_000);
});

describe('train job from a shipped model (fine-tuning on own structures)', () => {
  it('starts from the model’s weights, lowers the NLL of the own structures and writes a checkpoint', async () => {
    const data = join(workspace, 'datasets/mine');
    // The shipped model's NLL on the validation structures before any update (independent of the job).
    const model = await loadModel('default');
    const val = await loadDataset(data, { split: 'val' });
    const evaluator = await LikelihoodEvaluator.create(model.config);
    const nllOf = async (params: ParameterStore) => summarize(await evaluator.evaluate(val, wyckoffTables(), new Map(params.names().map((n) => [n, params.get(n)])))).total;
    const before = await nllOf(model.params);
    // A fresh initialisation of the same network, for contrast: the run must not have started from one.
    const fresh = new ParameterStore();
    for (const spec of new CrystalFormerNetwork(new Graph({ training: false }), model.config).params.specs) fresh.create(spec.name, spec.shape, spec.init);
    const freshNll = await nllOf(fresh);
    await evaluator.release();
    expect(freshNll).toBeGreaterThan(before + 2);

    // With a negligible learning rate the run's first validation is the shipped model's NLL, not a fresh network's.
    const still = await supervisor.waitFor(
      supervisor.submit('train', { data: 'datasets/mine', initModel: 'default', out: 'runs/mine-still', epochs: 1, batchSize: 8, learningRate: 1e-12, validateEverySteps: 1, warmupSteps: 0 }).id,
    );
    expect(still.error).toBeUndefined();
    const firstValidation = (supervisor.outputs(still.id) as Array<{ validation?: { nll: { total: number } } }>)[0]!.validation!.nll.total;
    expect(firstValidation).toBeCloseTo(before, 3);

    const job = await supervisor.waitFor(
      supervisor.submit('train', { data: 'datasets/mine', initModel: 'default', out: 'runs/mine', epochs: 4, batchSize: 8, learningRate: 3e-4, validateEverySteps: 1, warmupSteps: 0 }).id,
    );
    expect(job.error).toBeUndefined();
    expect(job.status).toBe('completed');
    const result = job.result as JobResult<'train'>;
    const outputs = supervisor.outputs(job.id) as Array<{ step: number; validation?: { nll: { total: number } } }>;
    const validations = outputs.flatMap((o) => (o.validation ? [o.validation.nll.total] : []));
    expect(validations.length).toBe(outputs.length);
    // Training on the structures lowers their NLL.
    expect(validations.at(-1)!).toBeLessThan(before - 5);
    expect(validations.at(-1)!).toBeLessThan(validations[0]!);
    expect(result.bestValidation!.total).toBeLessThan(before - 0.5);
    expect(result.checkpoints.length).toBeGreaterThanOrEqual(1);
    for (const path of result.checkpoints) expect(existsSync(path)).toBe(true);
    expect(existsSync(join(workspace, 'runs/mine/best.safetensors'))).toBe(true);
    const run = JSON.parse(readFileSync(join(workspace, 'runs/mine/run.json'), 'utf8')) as { initModel?: string; config: { model: { name: string }; learningRate: number } };
    expect(run.initModel).toBe(model.dir);
    expect(run.config.model).toEqual(model.config);
    expect(run.config.learningRate).toBe(3e-4);
  }, 300_000);

  it('says in words when the data is not a prepared dataset or the model does not exist', async () => {
    const notPrepared = await supervisor.waitFor(supervisor.submit('train', { data: 'my-structures', initModel: 'default', out: 'runs/np' }).id);
    expect(notPrepared.status).toBe('failed');
    expect(notPrepared.error).toMatch(/my-structures holds 42 structure files but is not a prepared dataset \(no manifest\.json\): prepare it first/);
    expect(notPrepared.error).not.toMatch(/ENOENT/);
    const missing = await supervisor.waitFor(supervisor.submit('train', { data: 'datasets/none', config: 'tiny', out: 'runs/nd' }).id);
    expect(missing.error).toMatch(/datasets\/none: no such folder/);
    const noModel = await supervisor.waitFor(supervisor.submit('train', { data: 'datasets/mine', initModel: 'runs/mine', out: 'runs/nm' }).id);
    expect(noModel.status).toBe('failed');
    expect(noModel.error).toMatch(/^initModel: no model '.*runs\/mine'/);
  }, 120_000);
});
