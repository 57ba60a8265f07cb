// Every file path a job accepts is marked in its schema, so the one confinement helper sees it
// (electron/host/jobs/workspace-paths.ts, applied by the supervisor at submit and by the engine host). A new path
// field declared as a plain string fails here.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { workspacePath } from '../../shared/api/job-paths.ts';
import { jobSpecs } from '../../shared/api/jobs.ts';
import { confineJobPaths, pathInWorkspace } from '../../electron/host/jobs/workspace-paths.ts';
import { markedPathFields, unconfinedPathFields } from './job-path-fields.ts';

/** Fields with path-like names that hold no path, each with the reason. Adding to this list needs a reason too. */
const NOT_PATHS: Record<string, string> = {
  'finetune: reward.reward.oracle.model': 'a KServe oracle: the model name on the inference server, sent in its URL',
  'finetune: reward.reward.oracle.output': 'an output tensor name (KServe or ONNX oracle)',
};

describe('job parameter schemas', () => {
  it('mark every string field whose name looks like a path (or that field cannot hold a path)', () => {
    const unmarked = Object.entries(jobSpecs).flatMap(([type, spec]) => unconfinedPathFields(spec.params).map((f) => `${type}: ${f.field}`));
    expect([...new Set(unmarked)].filter((field) => !(field in NOT_PATHS))).toEqual([]);
  });

  it('the walk finds the path fields we know of (so the check above is not vacuous)', () => {
    const marked = Object.entries(jobSpecs).flatMap(([type, spec]) => markedPathFields(spec.params).map((f) => `${type}: ${f.field}`));
    expect(marked.sort()).toEqual(
      [
        'analyze-structures: sources[].path',
        'csp: model',
        'csp: potential',
        'generate: model',
        'mcmc: model',
        'evaluate: dir',
        'evaluate: reference',
        'evaluate: potential',
        'export-structures: destination',
        'finetune: model',
        'finetune: out',
        'finetune: reward.reward.oracle.cwd',
        'finetune: reward.reward.oracle.path',
        'finetune: reward.reward.potential',
        'finetune: reward.reward.reference',
        'import-structures: sources[].path',
        'predict: sources[].path',
        'relax: potential',
        'relax: sources[].path',
        'energy: potential',
        'energy: sources[].path',
        'train: data',
        'train: out',
        'train: val',
        'train: initModel',
        'prepare-dataset: source.folder',
        'prepare-dataset: out',
      ].sort(),
    );
  });

  it('the check catches an unmarked path field and lets plain names through', () => {
    const schema = z.object({ outDir: z.string(), model: z.string().regex(/^(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/), marked: z.object({ path: workspacePath() }) });
    expect(unconfinedPathFields(schema).map((f) => f.field)).toEqual(['outDir']);
  });
});

describe('confinement', () => {
  const root = mkdtempSync(join(tmpdir(), 'cfstudio-confine-'));
  const workspace = join(root, 'ws');
  const outside = join(root, 'outside');
  mkdirSync(join(workspace, 'data'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.cif'), 'data_secret\n');
  symlinkSync(outside, join(workspace, 'link'));
  symlinkSync(join(outside, 'nowhere'), join(workspace, 'dangling'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('resolves relative paths against the workspace and accepts paths that do not exist yet', () => {
    expect(pathInWorkspace(workspace, 'data', 'out')).toBe(join(workspace, 'data'));
    expect(pathInWorkspace(workspace, 'runs/new/deeper', 'out')).toBe(join(workspace, 'runs', 'new', 'deeper'));
    expect(pathInWorkspace(workspace, join(workspace, 'a', '..', 'data'), 'out')).toBe(join(workspace, 'data'));
  });

  it('refuses .., absolute outside paths, links that lead out, dangling links and NUL bytes, naming the field', () => {
    expect(() => pathInWorkspace(workspace, '../outside/secret.cif', 'sources[0].path')).toThrow(/^sources\[0\]\.path: '\.\.\/outside\/secret\.cif' is outside the workspace/);
    expect(() => pathInWorkspace(workspace, join(outside, 'secret.cif'), 'dir')).toThrow(/^dir: .* is outside the workspace/);
    expect(() => pathInWorkspace(workspace, 'link/secret.cif', 'data')).toThrow(/^data: 'link\/secret\.cif' is outside the workspace/);
    expect(() => pathInWorkspace(workspace, 'link/new-folder/x', 'out')).toThrow(/^out: .* is outside the workspace/);
    expect(() => pathInWorkspace(workspace, 'dangling/x', 'out')).toThrow(/symbolic link to something that does not exist/);
    expect(() => pathInWorkspace(workspace, 'data\u0000x', 'out')).toThrow(/^out: 'data\\x00x' contains a NUL byte/);
  });

  it('a file named "..something" is inside', () => {
    expect(pathInWorkspace(workspace, '..hidden', 'out')).toBe(join(workspace, '..hidden'));
  });

  it('confineJobPaths rewrites every marked path of a job to its real absolute form, and refuses the first bad one', () => {
    const params = jobSpecs['import-structures'].params.parse({ sources: [{ path: 'data' }, { name: 'x.cif', text: 'data_x' }] });
    expect(confineJobPaths(jobSpecs['import-structures'].params, params, workspace).sources).toEqual([{ path: join(workspace, 'data') }, { name: 'x.cif', text: 'data_x' }]);
    const reward = { version: 1, reward: { kind: 'ehull', formationEnergy: { kind: 'oracle', oracle: { type: 'onnx', path: '../outside/model.onnx' } } } };
    const finetune = jobSpecs.finetune.params.parse({ reward, out: 'runs/rl' });
    expect(() => confineJobPaths(jobSpecs.finetune.params, finetune, workspace)).toThrow(/^reward\.reward\.formationEnergy\.oracle\.path: .* outside the workspace/);
  });

  it('lets the approved (dialog-chosen) paths through, exactly', () => {
    expect(pathInWorkspace(workspace, join(outside, 'secret.cif'), 'sources[0].path', [join(outside, 'secret.cif')])).toBe(join(outside, 'secret.cif'));
    expect(() => pathInWorkspace(workspace, join(outside, 'other.cif'), 'sources[0].path', [join(outside, 'secret.cif')])).toThrow(/outside/);
  });
});
