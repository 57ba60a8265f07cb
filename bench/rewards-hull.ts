/**
 * Convex-hull proxy: load time of the reference table, query throughput (cold = first query of a chemical system,
 * warm = cached LP), and agreement of our E_hull with the table's own `e_above_hull` column (Materials Project's
 * value against the full MP hull) for every entry that has one.
 *   node --import tsx bench/rewards-hull.ts [FILE] [--limit N]
 */
import { parseArgs } from 'node:util';
import { HullReference, defaultHullReferencePath } from '../electron/rewards/hull.ts';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { limit: { type: 'string' } } });
const file = positionals[0] ?? defaultHullReferencePath();
if (!file) {
  console.error('no hull reference: pass a file or put ../shared/data/properties/hull_reference.csv next to the checkout');
  process.exit(1);
}
let t = performance.now();
const hull = await HullReference.load(file);
console.log(`loaded ${hull.entries.length} entries, ${hull.chemicalSystems.length} chemical systems in ${(performance.now() - t).toFixed(0)} ms`);

const limit = values.limit ? Number(values.limit) : Infinity;
const withReported = hull.entries.filter((e) => e.reportedEnergyAboveHull !== undefined).slice(0, limit);
const differences: number[] = [];
const worst: { id: string; formula: string; ours: number; reported: number }[] = [];
t = performance.now();
for (const entry of withReported) {
  const ours = hull.energyAboveHull(entry.composition, entry.formationEnergyPerAtom);
  const reported = entry.reportedEnergyAboveHull!;
  differences.push(ours - reported);
  worst.push({ id: entry.id, formula: entry.composition.reducedFormula, ours, reported });
}
const elapsed = performance.now() - t;
console.log(`${withReported.length} queries in ${elapsed.toFixed(0)} ms (${((elapsed * 1000) / withReported.length).toFixed(0)} µs/query, cold+warm mixed)`);
t = performance.now();
for (const entry of withReported) hull.hullEnergy(entry.composition);
const warm = performance.now() - t;
console.log(`warm repeat: ${((warm * 1000) / withReported.length).toFixed(0)} µs/query`);

const abs = differences.map(Math.abs);
const within = (tol: number) => abs.filter((d) => d <= tol).length;
const pct = (n: number) => `${n} (${((100 * n) / abs.length).toFixed(1)} %)`;
console.log(`|ours − reported| ≤ 1 meV: ${pct(within(0.001))}; ≤ 10 meV: ${pct(within(0.01))}; ≤ 50 meV: ${pct(within(0.05))}`);
console.log(`ours below reported by > 1 meV (missing competing phases): ${pct(differences.filter((d) => d < -0.001).length)}`);
console.log(`ours above reported by > 1 meV (reference phases the MP hull of that date lacked, or other energies): ${pct(differences.filter((d) => d > 0.001).length)}`);
const onMpHull = withReported.filter((e) => e.reportedEnergyAboveHull! <= 1e-6).length;
const onBoth = withReported.filter((e, i) => e.reportedEnergyAboveHull! <= 1e-6 && differences[i]! + e.reportedEnergyAboveHull! <= 0.001).length;
console.log(`entries on the MP hull that are on ours (within 1 meV): ${onBoth} of ${onMpHull} (${((100 * onBoth) / onMpHull).toFixed(1)} %)`);
const bySource = new Map<string, number[]>();
withReported.forEach((e, i) => {
  const list = bySource.get(e.source ?? '?') ?? [];
  list.push(abs[i]!);
  bySource.set(e.source ?? '?', list);
});
for (const [source, list] of bySource) console.log(`  source ${source}: ${list.length} entries, ≤ 1 meV ${((100 * list.filter((d) => d <= 0.001).length) / list.length).toFixed(1)} %`);
worst.sort((a, b) => Math.abs(b.ours - b.reported) - Math.abs(a.ours - a.reported));
console.log('largest differences:');
for (const w of worst.slice(0, 8)) console.log(`  ${w.id} ${w.formula}: ours ${w.ours.toFixed(4)} reported ${w.reported.toFixed(4)} eV/atom`);
hull.dispose();
