/**
 * Physical plausibility on real crystals: every MP-20 training crystal has all contacts ≥ 0.5 (r_i + r_j) with the
 * radii of shared/crystal/atomic-radii.ts (Slater, Cordero where Slater has none) — the property the issue asks of
 * the tabulated radii (pymatgen gives the same for Slater's table alone: scripts/plausibility_radii.py).
 * Runs only with CFSTUDIO_EXTENDED=1 and when ../shared/data is present.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { readCifStructure } from '../../shared/io/cif.ts';
import { physicalPlausibility } from '../../shared/crystal/validity.ts';

const FILE = resolve(import.meta.dirname, '../../../shared/data/structures/mp_20_train.csv.gz');
const enabled = process.env.CFSTUDIO_EXTENDED === '1';
const skipReason = !enabled ? 'CFSTUDIO_EXTENDED is not 1' : !existsSync(FILE) ? `${FILE} is absent` : '';
if (skipReason) console.warn(`skipping MP-20 plausibility: ${skipReason}`);

describe.skipIf(skipReason !== '')('MP-20 training crystals', () => {
  it('are all physically plausible', async () => {
    const rows = parse(gunzipSync(readFileSync(FILE)), { columns: true }) as { material_id: string; cif: string }[];
    expect(rows.length).toBeGreaterThan(26_000);
    const implausible: string[] = [];
    let smallest = Infinity;
    for (const [index, row] of rows.entries()) {
      // Let vitest's worker answer its RPCs during this long loop.
      if (index % 2000 === 0) await new Promise((resolve) => setImmediate(resolve));
      const verdict = physicalPlausibility(readCifStructure(row.cif, { fileName: row.material_id }).structure);
      smallest = Math.min(smallest, verdict.shortestContactRatio);
      if (!verdict.plausible) implausible.push(`${row.material_id}: ${verdict.shortestContactRatio.toFixed(3)}`);
    }
    expect(implausible).toEqual([]);
    // pymatgen's neighbour list finds 0.584 (mp-1225908) with Slater's radii.
    expect(smallest).toBeCloseTo(0.5844, 3);
  }, 600_000);
});
