/**
 * `node --import tsx bench/m3gnet-single-point.ts [N]`: single-point M3GNet (MP-2021.2.8) throughput on the first N
 * (default 1,000) MP-20 validation crystals, as read from their CIFs: structures/s for energy only and for energy +
 * forces + stress, batched (batch sizes 16 and 64), float32, 1 and 2 onnxruntime threads; and the share of time
 * spent building the batch (neighbour lists, triples) in TypeScript. Besides wall time it prints the process CPU
 * time per structure (user + system, all threads), which stays meaningful when other jobs load the machine.
 * Set CFSTUDIO_M3GNET to another model folder.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { readCifStructure } from '../shared/io/cif.ts';
import type { Structure } from '../shared/crystal/structure.ts';
import { M3GNetPotential } from '../electron/engine/potential/m3gnet.ts';

const root = resolve(import.meta.dirname, '..');
const model = process.env.CFSTUDIO_M3GNET ?? resolve(root, '../shared/models/matgl/M3GNet-MP-2021.2.8-PES');
const count = Number(process.argv[2] ?? 1000);
const rows = parse(gunzipSync(readFileSync(resolve(root, '../shared/data/structures/mp_20_val.csv.gz'))), { columns: true }) as { material_id: string; cif: string }[];
const structures: Structure[] = rows.slice(0, count).map((r) => readCifStructure(r.cif, { fileName: r.material_id }).structure);
const atoms = structures.reduce((n, s) => n + s.numSites, 0);
console.log(`${structures.length} MP-20 val crystals, ${atoms} atoms (${(atoms / structures.length).toFixed(1)} per crystal)`);

for (const threads of [1, 2]) {
  for (const batchSize of [16, 64]) {
    const potential = await M3GNetPotential.load(model, { threads, batchSize });
    await potential.compute(structures.slice(0, batchSize)); // warm-up
    const cpuSeconds = (since: NodeJS.CpuUsage): number => {
      const used = process.cpuUsage(since);
      return (used.user + used.system) / 1e6;
    };
    let start = performance.now();
    let cpu = process.cpuUsage();
    await potential.compute(structures, { forces: false, stress: false });
    const energyOnly = (performance.now() - start) / 1000;
    const energyCpu = cpuSeconds(cpu);
    start = performance.now();
    cpu = process.cpuUsage();
    await potential.compute(structures);
    const full = (performance.now() - start) / 1000;
    const fullCpu = cpuSeconds(cpu);
    start = performance.now();
    let bonds = 0;
    let triples = 0;
    for (let i = 0; i < structures.length; i += batchSize) {
      const b = potential.batch(structures.slice(i, i + batchSize));
      bonds += b.numBonds;
      triples += b.numTriples;
    }
    const building = (performance.now() - start) / 1000;
    console.log(
      `threads ${threads}, batch ${String(batchSize).padStart(2)}: energy ${(structures.length / energyOnly).toFixed(1)} structures/s ` +
        `(CPU ${((1000 * energyCpu) / structures.length).toFixed(2)} ms each); ` +
        `energy+forces+stress ${(structures.length / full).toFixed(1)} structures/s (wall ${((1000 * full) / structures.length).toFixed(2)} ms, CPU ${((1000 * fullCpu) / structures.length).toFixed(2)} ms each); ` +
        `batch building ${((100 * building) / full).toFixed(0)} % of that (${(bonds / structures.length).toFixed(0)} bonds, ${(triples / structures.length).toFixed(0)} triples per crystal)`,
    );
    await potential.close();
  }
}
