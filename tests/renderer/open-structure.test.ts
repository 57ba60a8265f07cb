/**
 * The renderer opens structure files in a Web Worker with a time limit (issue 15: the Viewer analysed on its UI
 * thread). Here the worker's message protocol runs in Node (readStructure.ts) and the page side (openInWorker.ts)
 * runs against stand-in workers: one that answers, one that reads but never finishes the analysis, one that never
 * answers at all.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { type StructureWorkerMessage, readAndAnalyze } from '../../renderer/src/symmetry/readStructure.ts';
import { type WorkerLike, openStructureInWorker } from '../../renderer/src/symmetry/openInWorker.ts';

beforeAll(async () => {
  await initSymmetry();
});

const ROCK_SALT = `data_NaCl
_cell_length_a 5.64
_cell_length_b 5.64
_cell_length_c 5.64
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
_symmetry_space_group_name_H-M 'F m -3 m'
loop_
_atom_site_label
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
Na1 0 0 0
Cl1 0.5 0.5 0.5
`;

/** A stand-in worker that runs `behave` with the request, answering asynchronously like a real one. */
function fakeWorker(behave: (fileName: string, text: string, post: (m: StructureWorkerMessage) => void) => void): { create: () => WorkerLike; terminated: () => boolean } {
  let terminated = false;
  const worker: WorkerLike = {
    onmessage: null,
    onerror: null,
    postMessage(request) {
      setTimeout(() => behave(request.fileName, request.text, (m) => !terminated && worker.onmessage?.({ data: m } as MessageEvent<StructureWorkerMessage>)), 0);
    },
    terminate() {
      terminated = true;
    },
  };
  return { create: () => worker, terminated: () => terminated };
}

describe('structure worker protocol', () => {
  it('posts the structure, then its symmetry with a Wyckoff letter per site', () => {
    const messages: StructureWorkerMessage[] = [];
    readAndAnalyze('NaCl.cif', ROCK_SALT, (m) => messages.push(m));
    expect(messages.map((m) => m.kind)).toEqual(['read', 'symmetry']);
    const read = messages[0] as Extract<StructureWorkerMessage, { kind: 'read' }>;
    expect(read.sites).toHaveLength(8);
    expect(messages[1]).toMatchObject({ symmetry: 'Fm-3m (225)' });
    expect(new Set((messages[1] as { wyckoffLetters: string[] }).wyckoffLetters)).toEqual(new Set(['a', 'b']));
  });

  it('posts a line-numbered error for a bad file, and a refusal as the symmetry text beyond the limits', () => {
    const bad: StructureWorkerMessage[] = [];
    readAndAnalyze('bad.cif', ROCK_SALT.replace('_cell_length_b 5.64', '_cell_length_b 1e300'), (m) => bad.push(m));
    expect(bad).toEqual([{ kind: 'error', message: expect.stringMatching(/^bad\.cif:3: _cell_length_b: .*above the bound of 10000 Å/) }]);
    const needle: StructureWorkerMessage[] = [];
    readAndAnalyze('POSCAR', 'needle\n1\n3 0 0\n0 3 0\n0 0 5000\nNa Cl\n1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n', (m) => needle.push(m));
    expect(needle[1]).toMatchObject({ kind: 'symmetry', symmetry: expect.stringMatching(/^symmetry not found: symmetry analysis refused: the cell is too anisotropic/) });
  });
});

describe('openStructureInWorker', () => {
  it('returns the structure with its symmetry and ends the worker', async () => {
    const worker = fakeWorker(readAndAnalyze);
    const opened = await openStructureInWorker('NaCl.cif', ROCK_SALT, { createWorker: worker.create });
    expect(opened.symmetry).toBe('Fm-3m (225)');
    expect(opened.sites.every((s) => s.wyckoff === 'a' || s.wyckoff === 'b')).toBe(true);
    expect(worker.terminated()).toBe(true);
  });

  it('shows the structure without symmetry when the analysis runs past the time limit, and stops the worker', async () => {
    const worker = fakeWorker((fileName, text, post) => {
      const messages: StructureWorkerMessage[] = [];
      readAndAnalyze(fileName, text, (m) => messages.push(m));
      post(messages[0]!); // the analysis "never finishes"
    });
    const opened = await openStructureInWorker('NaCl.cif', ROCK_SALT, { createWorker: worker.create, timeLimitMs: 50 });
    expect(opened.sites).toHaveLength(8);
    expect(opened.symmetry).toBe('symmetry not found: the analysis did not finish within its time limit of 0.05 s');
    expect(worker.terminated()).toBe(true);
  });

  it('rejects with the file named when nothing comes back in time, and passes reader errors through', async () => {
    const silent = fakeWorker(() => {});
    await expect(openStructureInWorker('big.cif', ROCK_SALT, { createWorker: silent.create, timeLimitMs: 50 })).rejects.toThrow('big.cif: reading the file did not finish within its time limit of 0.05 s');
    expect(silent.terminated()).toBe(true);
    const reader = fakeWorker(readAndAnalyze);
    await expect(openStructureInWorker('bad.cif', 'data_x\n_cell_length_a 1\n_cell_length_a 2\n', { createWorker: reader.create })).rejects.toThrow('bad.cif:3: duplicate tag _cell_length_a');
  });
});
