/**
 * The shipped potential folder (models/potential-m3gnet-mp-2021) holds exactly matgl's M3GNet-MP-2021.2.8-PES
 * weights, and `cfstudio potential import` reproduces it byte for byte from the matgl folder.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../electron/cli/main.ts';
import { loadPotentialFolder, PotentialWeightsError } from '../../../electron/engine/potential/weights.ts';

const SHIPPED = new URL('../../../models/potential-m3gnet-mp-2021/', import.meta.url).pathname;
const MATGL = new URL('../../../../shared/models/matgl/', import.meta.url).pathname;
const SOURCE = join(MATGL, 'M3GNet-MP-2021.2.8-PES');
const haveSource = existsSync(join(SOURCE, 'state.pt'));
if (!haveSource) console.warn(`skipping the comparison with matgl's state.pt: ${SOURCE} not found`);

const scratch = mkdtempSync(join(tmpdir(), 'cfstudio-potential-import-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; out: string; log: string }> {
  let out = '';
  let log = '';
  const code = await main(args, { log: (line) => (log += line + '\n'), out: (text) => (out += text) });
  return { code, out, log };
}

describe('models/potential-m3gnet-mp-2021', () => {
  const shipped = loadPotentialFolder(SHIPPED);

  it('card names the source, licence and published metrics', () => {
    const card = JSON.parse(readFileSync(join(SHIPPED, 'model.json'), 'utf8')) as Record<string, unknown>;
    expect(card.kind).toBe('potential');
    expect(card.licence).toBe('BSD-3-Clause');
    expect(card.source).toMatchObject({ model: 'M3GNet-MP-2021.2.8-PES', repository: 'materialsvirtuallab/matgl', commit: 'e9cde2291acd' });
    expect(card.publishedMetrics).toMatchObject({ splits: { validation: ['21.099 meV/atom', '0.072 eV/A', '0.380 GPa'] } });
    expect(readFileSync(join(SHIPPED, 'LICENSE'), 'utf8')).toMatch(/^BSD 3-Clause License/);
    expect(shipped.source).toBe('M3GNet-MP-2021.2.8-PES');
    expect(card.parameterCount).toBe(296_171);
  });

  it.skipIf(!haveSource)('loads to tensors identical to state.pt (names, order, shapes, values) and the same description', () => {
    const original = loadPotentialFolder(SOURCE);
    expect([...shipped.tensors.keys()]).toEqual([...original.tensors.keys()]);
    for (const [name, tensor] of original.tensors) {
      const ours = shipped.tensors.get(name)!;
      expect(ours.shape, name).toEqual(tensor.shape);
      expect(Buffer.from(ours.data.buffer, ours.data.byteOffset, ours.data.byteLength).equals(Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength)), name).toBe(true);
    }
    expect(shipped.config).toEqual(original.config);
    expect(shipped.elementTypes).toEqual(original.elementTypes);
    expect(shipped.dataMean).toBe(original.dataMean);
    expect(shipped.dataStd).toBe(original.dataStd);
  });

  it.skipIf(!haveSource)('cfstudio potential import reproduces the shipped weights byte for byte', async () => {
    const out = join(scratch, 'potential');
    const result = await cli(['potential', 'import', SOURCE, '--out', out, '--commit', 'e9cde2291acd']);
    expect(result.code).toBe(0);
    expect(result.out).toContain('296,171 parameters');
    expect(readFileSync(join(out, 'model.safetensors')).equals(readFileSync(join(SHIPPED, 'model.safetensors')))).toBe(true);
    expect(readFileSync(join(out, 'LICENSE'), 'utf8')).toBe(readFileSync(join(MATGL, 'LICENSE'), 'utf8'));
  });

  it('a truncated model.safetensors or a card without dataStd is refused with one line naming the file', () => {
    const dir = join(scratch, 'damaged-shipped');
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(SHIPPED, 'model.json'), join(dir, 'model.json'));
    const weights = readFileSync(join(SHIPPED, 'model.safetensors'));
    writeFileSync(join(dir, 'model.safetensors'), weights.subarray(0, weights.length - 1000));
    expect(() => loadPotentialFolder(dir)).toThrow(PotentialWeightsError);
    expect(() => loadPotentialFolder(dir)).toThrow(new RegExp(`^${join(dir, 'model.safetensors').replace(/[.]/g, '\\.')}: [^\\n]+$`));
    copyFileSync(join(SHIPPED, 'model.safetensors'), join(dir, 'model.safetensors'));
    const card = JSON.parse(readFileSync(join(SHIPPED, 'model.json'), 'utf8')) as Record<string, unknown>;
    delete card.dataStd;
    writeFileSync(join(dir, 'model.json'), JSON.stringify(card));
    expect(() => loadPotentialFolder(dir)).toThrow(/model\.json: dataStd must be a finite number$/);
  });

  it('cfstudio potential import: a folder that is not a potential is an input mistake (exit 1, one line)', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const result = await cli(['potential', 'import', join(scratch, 'missing'), '--out', join(scratch, 'x')]);
      expect(result.code).toBe(1);
      const printed = stderr.mock.calls.map((call) => String(call[0])).join('');
      expect(printed.trim().split('\n')).toHaveLength(1);
      expect(printed).toContain('no model.json');
    } finally {
      stderr.mockRestore();
    }
  });
});
