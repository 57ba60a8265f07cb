/**
 * The whole cubic benchmark table published with M3GNet-MP-2021.2.8-PES: every row our builder can make from its
 * name and structure type (elements, rock salt, CsCl, zinc blende, diamond, fcc, bcc, cubic perovskite; the
 * non-stoichiometric carbides as their 1:1 rock salt), lattice constant at zero isotropic stress versus the
 * README's "Predicted a". Cs is skipped: its published 5.987 Å is not a minimum (beyond ~5.77 Å no neighbour is
 * inside the 5 Å cutoff and the energy is flat). Target: median |deviation| < 0.05 %, every row < 0.5 %
 * (soft crystals — alkali metals, noble gases, Cs halides — were published from relaxations stopped at fmax 0.01
 * and sit up to ~0.2 % from the exact minimum). Runs with CFSTUDIO_EXTENDED=1 when ../shared/models is present.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { M3GNetPotential } from '../../electron/engine/potential/m3gnet.ts';
import { buildCubic, readCubicTable, relaxedLatticeConstant } from '../engine/potential/cubic-table.ts';

const MODEL = resolve(import.meta.dirname, '../../../shared/models/matgl/M3GNet-MP-2021.2.8-PES');
const enabled = process.env.CFSTUDIO_EXTENDED === '1';
const skipReason = !enabled ? 'CFSTUDIO_EXTENDED is not 1' : !existsSync(MODEL) ? `${MODEL} is absent` : '';
if (skipReason) console.warn(`skipping the M3GNet cubic table: ${skipReason}`);

const NOT_A_MINIMUM = new Set(['Cs']);

describe.skipIf(skipReason !== '')('M3GNet-MP-2021.2.8-PES cubic table', () => {
  it('reproduces the published lattice constants (median < 0.05 %)', async () => {
    const potential = await M3GNetPotential.load(MODEL, { dtype: 'float64' });
    try {
      const rows = readCubicTable(resolve(MODEL, 'README.md'));
      expect(rows.length).toBeGreaterThan(80);
      const deviations: { material: string; type: string; published: number; ours: number; percent: number }[] = [];
      const skipped: string[] = [];
      for (const row of rows) {
        if (NOT_A_MINIMUM.has(row.material) || !buildCubic(row, row.predicted)) {
          skipped.push(row.material);
          continue;
        }
        const a = await relaxedLatticeConstant(potential, row);
        deviations.push({ material: row.material, type: row.type, published: row.predicted, ours: a, percent: 100 * (a / row.predicted - 1) });
      }
      const sorted = deviations.map((d) => Math.abs(d.percent)).sort((p, q) => p - q);
      const median = sorted[Math.floor(sorted.length / 2)]!;
      console.log(`cubic table: ${deviations.length} rows, skipped ${skipped.join(', ') || 'none'}; median |dev| ${median.toFixed(4)} %, max ${sorted[sorted.length - 1]!.toFixed(4)} %`);
      for (const d of [...deviations].sort((p, q) => Math.abs(q.percent) - Math.abs(p.percent)).slice(0, 10)) {
        console.log(`  ${d.material.padEnd(10)} ${d.type.padEnd(20)} published ${d.published.toFixed(5)}  ours ${d.ours.toFixed(5)}  ${d.percent.toFixed(4)} %`);
      }
      expect(deviations.length).toBeGreaterThan(75);
      expect(median).toBeLessThan(0.05);
      for (const d of deviations) expect(Math.abs(d.percent), d.material).toBeLessThan(0.5);
    } finally {
      await potential.close();
    }
  }, 600_000);
});
