import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../shared/random.ts';
import { init, ParameterStore } from '../../electron/engine/params.ts';
import { parseSafetensors, serializeSafetensors } from '../../electron/engine/safetensors.ts';
import {
  checkpointFileName,
  decodeCheckpoint,
  encodeCheckpoint,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  pruneCheckpoints,
  saveCheckpoint,
  writeFileAtomic,
  type Checkpoint,
} from '../../electron/engine/checkpoint.ts';

const root = mkdtempSync(join(tmpdir(), 'cfs-checkpoint-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirCounter = 0;
const freshDir = () => join(root, `run-${dirCounter++}`);

function trainingState(seed: number, step: number): Checkpoint {
  const params = new ParameterStore(new Rng(seed));
  params.create('embed', [10, 4], init.truncatedNormal(0.01));
  params.create('dense/w', [4, 3], init.xavierUniform());
  params.create('dense/b', [3], init.zeros());
  const rng = new Rng(seed + 1);
  rng.normal(); // leave a spare normal pending, which must survive the round trip
  const m = new Map(params.names().map((n) => [n, params.get(n).map((x) => x * 0.1)]));
  const v = new Map(params.names().map((n) => [n, params.get(n).map((x) => x * x)]));
  return {
    params,
    optimizer: { kind: 'adam', step, slots: { m, v }, hyper: { learningRate: 1e-4, beta1: 0.9, beta2: 0.999 } },
    rng: rng.getState(),
    metadata: { epoch: 3, config: { layers: 16, dropout: 0.1, name: 'mp20' }, metrics: { trainLoss: 1.25, valLoss: null } },
  };
}

describe('checkpoint encoding', () => {
  it('round-trips parameters, Adam state, RNG state and JSON metadata exactly', () => {
    const original = trainingState(1, 1234);
    const back = decodeCheckpoint(encodeCheckpoint(original), 'mem');
    expect(back.params.names()).toEqual(original.params.names());
    for (const name of original.params.names()) {
      expect(back.params.get(name)).toEqual(original.params.get(name));
      expect(back.params.shape(name)).toEqual(original.params.shape(name));
      expect(back.optimizer!.slots.m!.get(name)).toEqual(original.optimizer!.slots.m!.get(name));
      expect(back.optimizer!.slots.v!.get(name)).toEqual(original.optimizer!.slots.v!.get(name));
    }
    expect(back.optimizer!.kind).toBe('adam');
    expect(back.optimizer!.step).toBe(1234);
    expect(back.optimizer!.hyper).toEqual({ learningRate: 1e-4, beta1: 0.9, beta2: 0.999 });
    expect(back.metadata).toEqual(original.metadata);
    // The restored RNG continues exactly where the saved one would have.
    const expected = Rng.fromState(original.rng!);
    const resumed = Rng.fromState(back.rng!);
    expect([resumed.normal(), resumed.next(), resumed.normal()]).toEqual([expected.normal(), expected.next(), expected.normal()]);
  });

  it('is a plain safetensors file that other tools can read', () => {
    const bytes = encodeCheckpoint(trainingState(2, 5));
    const { tensors, metadata } = parseSafetensors(bytes);
    expect(metadata.format).toBe('cfstudio-checkpoint');
    expect([...tensors.keys()]).toEqual([
      'params/embed', 'params/dense/w', 'params/dense/b',
      'optim/m/embed', 'optim/m/dense/w', 'optim/m/dense/b',
      'optim/v/embed', 'optim/v/dense/w', 'optim/v/dense/b',
    ]);
    expect(tensors.get('optim/v/dense/w')!.shape).toEqual([4, 3]);
    expect(JSON.parse(metadata.optimizer!)).toMatchObject({ kind: 'adam', step: 5, slots: ['m', 'v'] });
  });

  it('works without optimizer or RNG state', () => {
    const params = new ParameterStore();
    params.set('w', new Float32Array([1, 2]), [2]);
    const back = decodeCheckpoint(encodeCheckpoint({ params }));
    expect(back.optimizer).toBeUndefined();
    expect(back.rng).toBeUndefined();
    expect(back.metadata).toEqual({});
  });

  it('refuses inconsistent optimizer state and foreign files', () => {
    const state = trainingState(3, 1);
    state.optimizer!.slots.m!.set('ghost', new Float32Array(1));
    expect(() => encodeCheckpoint(state)).toThrow("optimizer slot 'm' has state for unknown parameter 'ghost'");
    const short = trainingState(3, 1);
    short.optimizer!.slots.v!.set('dense/b', new Float32Array(2));
    expect(() => encodeCheckpoint(short)).toThrow("slot 'v' for 'dense/b' has 2 values, parameter has 3");
    const weightsOnly = serializeSafetensors({ w: { data: new Float32Array(1), shape: [1] } });
    expect(() => decodeCheckpoint(weightsOnly, 'weights.safetensors')).toThrow(/^weights\.safetensors: not a checkpoint/);
    const future = serializeSafetensors({ w: { data: new Float32Array(1), shape: [1] } }, { format: 'cfstudio-checkpoint', version: '99' });
    expect(() => decodeCheckpoint(future, 'new.safetensors')).toThrow(/checkpoint version 99 is not supported/);
    const badJson = serializeSafetensors({}, { format: 'cfstudio-checkpoint', version: '1', metadata: '{oops' });
    expect(() => decodeCheckpoint(badJson, 'x.st')).toThrow(/x\.st: checkpoint metadata field 'metadata' is not valid JSON/);
  });
});

describe('checkpoint directory', () => {
  it('numbers checkpoints, finds the latest, and keeps the last N', async () => {
    const dir = freshDir();
    expect(await latestCheckpoint(dir)).toBeUndefined();
    const paths: string[] = [];
    for (let step = 0; step < 5; step++) paths.push(await saveCheckpoint(dir, trainingState(10 + step, step * 100), { keepLast: 3 }));
    expect(paths.map((p) => p.split('/').at(-1))).toEqual([0, 1, 2, 3, 4].map(checkpointFileName));
    expect((await listCheckpoints(dir)).map((c) => c.index)).toEqual([2, 3, 4]);
    expect(readdirSync(dir).sort()).toEqual([2, 3, 4].map(checkpointFileName));
    const latest = await latestCheckpoint(dir);
    expect(latest).toBe(paths[4]);
    const loaded = await loadCheckpoint(latest!);
    expect(loaded.optimizer!.step).toBe(400);
    expect(loaded.params.get('embed')).toEqual(trainingState(14, 400).params.get('embed'));
    // An explicit index is honoured, and the next automatic one follows the highest.
    expect(await saveCheckpoint(dir, trainingState(1, 1), { index: 1000 })).toBe(join(dir, checkpointFileName(1000)));
    expect(await saveCheckpoint(dir, trainingState(1, 1))).toBe(join(dir, checkpointFileName(1001)));
  });

  it('ignores a partial temp file left by a crashed writer and prunes it once that writer is gone', async () => {
    const dir = freshDir();
    const good = await saveCheckpoint(dir, trainingState(20, 7));
    const goodBytes = readFileSync(good);
    // A writer that died mid-save leaves its half-written temp file behind (pid 2^22+1 is above Linux's default
    // pid_max of 2^22, so no such process can be running).
    const deadPid = 4194305;
    const partial = join(dir, `.${checkpointFileName(1)}.tmp-${deadPid}-deadbeef`);
    writeFileSync(partial, goodBytes.subarray(0, goodBytes.length >> 1));
    expect(await latestCheckpoint(dir)).toBe(good);
    expect((await listCheckpoints(dir)).length).toBe(1);
    expect((await loadCheckpoint((await latestCheckpoint(dir))!)).optimizer!.step).toBe(7);
    // The next save does not collide with the leftover, and pruning removes it.
    const next = await saveCheckpoint(dir, trainingState(21, 8), { keepLast: 5 });
    expect(next).toBe(join(dir, checkpointFileName(1)));
    expect(existsSync(partial)).toBe(false);
    // A temp file of a live writer (this process) is left alone.
    const live = join(dir, `.${checkpointFileName(9)}.tmp-${process.pid}-cafebabe`);
    writeFileSync(live, 'in progress');
    await pruneCheckpoints(dir, 5);
    expect(existsSync(live)).toBe(true);
  });

  it('skips a damaged newest file and falls back to the previous checkpoint', async () => {
    const dir = freshDir();
    const first = await saveCheckpoint(dir, trainingState(30, 1));
    const second = await saveCheckpoint(dir, trainingState(31, 2));
    writeFileSync(second, readFileSync(second).subarray(0, 20));
    expect(await latestCheckpoint(dir)).toBe(first);
    await expect(loadCheckpoint(second)).rejects.toThrow(second);
  });

  it('writeFileAtomic replaces a file whole and leaves no temp files', async () => {
    const dir = freshDir();
    await saveCheckpoint(dir, trainingState(1, 0)); // creates the directory
    const path = join(dir, 'notes.bin');
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    await writeFileAtomic(path, new Uint8Array([4, 5]));
    expect(Array.from(readFileSync(path))).toEqual([4, 5]);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
    await expect(writeFileAtomic(join(dir, 'missing-dir', 'x.bin'), new Uint8Array(1))).rejects.toThrow(/ENOENT/);
  });

  it('survives SIGKILL of a process that is saving large checkpoints in a loop', async () => {
    const dir = freshDir();
    // The writer saves ~16 MB checkpoints back to back; we kill it the moment we see a temp file, i.e. mid-save.
    const script = join(root, 'writer.mts'); // .mts: ESM (top-level await) outside the package's "type": "module"
    const modulePath = resolve('electron/engine/checkpoint.ts');
    const paramsPath = resolve('electron/engine/params.ts');
    writeFileSync(script, [
      `import { saveCheckpoint } from ${JSON.stringify(modulePath)};`,
      `import { ParameterStore } from ${JSON.stringify(paramsPath)};`,
      'const dir = process.argv[2];',
      'for (let step = 0; ; step++) {',
      '  const params = new ParameterStore();',
      '  params.set("w", new Float32Array(4_000_000).fill(step), [4_000_000]);',
      '  await saveCheckpoint(dir, { params, metadata: { step } }, { index: step, keepLast: 2 });',
      '  process.stdout.write(`saved ${step}\\n`);',
      '}',
    ].join('\n'));
    const child = spawn(process.execPath, ['--import', 'tsx', script, dir], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    let saved = -1;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      for (const m of chunk.toString().matchAll(/saved (\d+)/g)) saved = Number(m[1]);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, signal) => done(signal)));
    let sawTempAtKill = false;
    const deadline = Date.now() + 45_000;
    while (Date.now() < deadline) {
      if (saved >= 2 && existsSync(dir) && readdirSync(dir).some((n) => n.includes('.tmp-'))) {
        child.kill('SIGKILL');
        sawTempAtKill = true;
        break;
      }
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 1));
    }
    if (!sawTempAtKill) child.kill('SIGKILL');
    expect(await exited, stderr).toBe('SIGKILL');
    expect(saved).toBeGreaterThanOrEqual(2);

    // Every checkpoint present is complete and the newest is at least the last one reported saved.
    const files = await listCheckpoints(dir);
    expect(files.length).toBeGreaterThanOrEqual(1);
    for (const { index, path } of files) {
      const loaded = await loadCheckpoint(path);
      expect(loaded.metadata).toEqual({ step: index });
      const w = loaded.params.get('w');
      expect(w.length).toBe(4_000_000);
      expect(w[0]).toBe(index);
      expect(w[w.length - 1]).toBe(index);
    }
    const latest = (await latestCheckpoint(dir))!;
    expect(files.at(-1)!.path).toBe(latest);
    expect(files.at(-1)!.index).toBeGreaterThanOrEqual(saved);
    // Leftover temp files (if the kill landed mid-write) are ignored above and removed by pruning.
    await pruneCheckpoints(dir, 2);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
    console.log(`checkpoint crash test: killed after ${saved + 1} saves, temp file present at kill: ${sawTempAtKill}`);
  });
});
