/**
 * The matgl weight reader against PyTorch's own reader (torch.load, weights_only) on both shipped-by-matgl M3GNet
 * checkpoints: same names in the same order, same shapes, bit-identical float32 values. Also: the numbers printed
 * in model.json agree with the tensors, and damaged state.pt files are refused with one line naming the file.
 * The torch comparison needs /usr/bin/python3 with torch (Debian python3-torch); it is skipped with a message otherwise.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPotentialFolder, parseTorchNumbers, PotentialWeightsError } from '../../../electron/engine/potential/weights.ts';

const MATGL = new URL('../../../../shared/models/matgl/', import.meta.url).pathname;
const CHECKPOINTS = ['M3GNet-MP-2021.2.8-PES', 'M3GNet-MatPES-PBE-v2025.1-PES'];
const SCRIPT = new URL('./torch_state_dict.py', import.meta.url).pathname;

const hasTorch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
if (!hasTorch) console.warn('skipping the torch.load comparison: /usr/bin/python3 has no torch (apt-get install python3-torch)');
const haveCheckpoints = CHECKPOINTS.every((name) => existsSync(join(MATGL, name, 'state.pt')));
if (!haveCheckpoints) console.warn(`skipping the matgl weight tests: checkpoints not found under ${MATGL}`);

interface TorchTensor {
  name: string;
  shape: number[];
  dtype: string;
  b64: string;
}

function readWithTorch(statePath: string): TorchTensor[] {
  const run = spawnSync('/usr/bin/python3', [SCRIPT, statePath], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`torch_state_dict.py failed: ${run.stderr}`);
  return run.stdout.trim().split('\n').map((line) => JSON.parse(line) as TorchTensor);
}

const scratch = mkdtempSync(join(tmpdir(), 'cfstudio-weights-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(!haveCheckpoints)('matgl M3GNet folders', () => {
  for (const name of CHECKPOINTS) {
    describe(name, () => {
      const dir = join(MATGL, name);
      const weights = loadPotentialFolder(dir);

      it.skipIf(!hasTorch)('every tensor equals what torch.load reads (names, order, shapes, bits)', () => {
        const reference = readWithTorch(join(dir, 'state.pt'));
        expect([...weights.tensors.keys()]).toEqual(reference.map((t) => t.name));
        for (const t of reference) {
          expect(t.dtype).toBe('torch.float32');
          const ours = weights.tensors.get(t.name)!;
          expect(ours.shape, t.name).toEqual(t.shape);
          const bytes = Buffer.from(ours.data.buffer, ours.data.byteOffset, ours.data.byteLength);
          expect(bytes.equals(Buffer.from(t.b64, 'base64')), t.name).toBe(true);
        }
      });

      it('model.json numbers agree with the state dict', () => {
        const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { kwargs: { element_refs: string; model: { init_args: Record<string, unknown> } } };
        expect(weights.architecture).toBe('M3GNet');
        expect(weights.source).toBe(name);
        expect(weights.config).toEqual(json.kwargs.model.init_args);
        expect(weights.elementTypes.slice(0, 3)).toEqual(['H', 'He', 'Li']);
        expect(weights.elementTypes).toHaveLength(89);
        expect(weights.tensors.get('data_std')!.data[0]).toBeCloseTo(weights.dataStd, 6);
        expect(weights.tensors.get('data_mean')!.data[0]).toBe(weights.dataMean);
        // element_refs is printed with 8 significant digits; the state dict holds the float32 values.
        const printed = parseTorchNumbers(json.kwargs.element_refs, 'model.json', 'element_refs');
        const stored = weights.tensors.get('element_refs.property_offset')!;
        expect(stored.shape).toEqual([89]);
        expect(printed).toHaveLength(89);
        printed.forEach((value, i) => expect(Math.abs(stored.data[i]! - value)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(value))));
        const embedding = weights.tensors.get('model.embedding.layer_node_embedding.weight')!;
        expect(embedding.shape).toEqual([89, weights.config.dim_node_embedding]);
      });
    });
  }

  it('counts the published parameter numbers (296,171 and 672,235, matgl README / ../shared/models/README.md)', () => {
    const count = (name: string): number => [...loadPotentialFolder(join(MATGL, name)).tensors.values()].reduce((n, t) => n + t.data.length, 0);
    expect(count(CHECKPOINTS[0]!)).toBe(296_171);
    expect(count(CHECKPOINTS[1]!)).toBe(672_235);
  });

  describe('damaged checkpoints give one line naming the file', () => {
    const original = readFileSync(join(MATGL, CHECKPOINTS[0]!, 'state.pt'));
    function damagedFolder(label: string, bytes: Uint8Array): string {
      const dir = join(scratch, label);
      rmSync(dir, { recursive: true, force: true });
      spawnSync('mkdir', ['-p', dir]);
      copyFileSync(join(MATGL, CHECKPOINTS[0]!, 'model.json'), join(dir, 'model.json'));
      writeFileSync(join(dir, 'state.pt'), bytes);
      return dir;
    }
    function expectOneLineError(dir: string, pattern: RegExp): void {
      let error: unknown;
      try {
        loadPotentialFolder(dir);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(PotentialWeightsError);
      const message = (error as Error).message;
      expect(message).not.toContain('\n');
      expect(message).toContain(join(dir, 'state.pt'));
      expect(message).toMatch(pattern);
    }

    it('truncated at several lengths', () => {
      for (const fraction of [0.999, 0.5, 0.01]) {
        expectOneLineError(damagedFolder(`truncated-${fraction}`, original.subarray(0, Math.floor(original.length * fraction))), /zip|truncated/);
      }
      expectOneLineError(damagedFolder('empty', new Uint8Array(0)), /zip/);
    });

    it('a flipped byte inside a stored tensor', () => {
      const bytes = Uint8Array.from(original);
      bytes[Math.floor(bytes.length / 2)]! ^= 0x40;
      expectOneLineError(damagedFolder('flipped-data', bytes), /CRC-32/);
    });

    it('a flipped byte inside the pickle', () => {
      const bytes = Uint8Array.from(original);
      bytes[200]! ^= 0x01;
      expectOneLineError(damagedFolder('flipped-pickle', bytes), /CRC-32/);
    });

    it('not a zip at all', () => {
      expectOneLineError(damagedFolder('text', new TextEncoder().encode('hello, this is not a checkpoint\n'.repeat(10))), /zip/);
    });
  });

  it('refuses a matgl folder of another model (MEGNet) with one line', () => {
    const megnet = join(MATGL, 'MEGNet-MP-2019.4.1-BandGap-mfi');
    if (!existsSync(megnet)) return;
    expect(() => loadPotentialFolder(megnet)).toThrow(/model\.json: not a matgl potential|not an M3GNet/);
  });
});

describe('parseTorchNumbers', () => {
  it('reads torch-printed scalars and vectors', () => {
    expect(parseTorchNumbers("tensor(4.58613348, device='cuda:0')", 'f', 'x')).toEqual([4.58613348]);
    expect(parseTorchNumbers('tensor(0.)', 'f', 'x')).toEqual([0]);
    expect(parseTorchNumbers('tensor([-1.11723232e+00, -4.55950000e-04,\n        2.5])', 'f', 'x')).toEqual([-1.11723232, -4.5595e-4, 2.5]);
  });
  it('refuses anything else with the field named', () => {
    expect(() => parseTorchNumbers('tensor([1.0, nan])', 'model.json', 'element_refs')).toThrow(/model\.json: element_refs/);
    expect(() => parseTorchNumbers({}, 'model.json', 'data_std')).toThrow(/model\.json: data_std/);
  });
});
