/**
 * CIF reading on large hostile-shaped files (issue 15): time to parse (syntax only) and to read structures from
 * files of many `data_` blocks, many loops, one loop of many tags, and the symmetry expansion per image.
 * Prints numbers; asserts nothing. `npm run bench:cif-parse` (CFSTUDIO_BENCH_MB sets the size of the big file, 50).
 */
import { parseCif, readCifStructures } from '../shared/io/cif.ts';
import { initSymmetry } from '../shared/symmetry/moyo.ts';

await initSymmetry();

/** Wall and CPU time (the CPU time of this process stays meaningful when other jobs load the machine). */
function time<T>(label: string, bytes: number, run: () => T): T {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const result = run();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  console.log(`${label}: ${(bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(2)} s wall, ${cpuSeconds.toFixed(2)} s CPU (${(bytes / 1e6 / seconds).toFixed(1)} MB/s wall)`);
  return result;
}

const megabytes = Number(process.env.CFSTUDIO_BENCH_MB ?? 50);

// The cases: 50,000 empty data_ blocks (0.6 MB, was 24 s) and 50,000 loops (was 11.8 s).
const emptyBlocks = Array.from({ length: 50_000 }, (_, i) => `data_b${i}\n`).join('');
time('50,000 empty data_ blocks, parse', emptyBlocks.length, () => parseCif(emptyBlocks));
const manyLoops = `data_x\n${Array.from({ length: 50_000 }, (_, i) => `loop_ _t${i} 1\n`).join('')}`;
time('50,000 loops in one block, parse', manyLoops.length, () => parseCif(manyLoops));
const manyTags = `data_x\nloop_\n${Array.from({ length: 50_000 }, (_, i) => `_t${i}`).join('\n')}\n${Array.from({ length: 50_000 }, () => '1').join(' ')}\n`;
time('one loop of 50,000 tags, parse', manyTags.length, () => parseCif(manyTags));

// A big file of many small structures (rock salt with its 4 listed operations... and P1 blocks).
const block = (i: number) => `data_s${i}
_cell_length_a 5.64
_cell_length_b 5.64
_cell_length_c 5.64
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
loop_
_symmetry_equiv_pos_as_xyz
'x, y, z'
'x, y+1/2, z+1/2'
'x+1/2, y, z+1/2'
'x+1/2, y+1/2, z'
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
Na1 Na 0 0 0
Cl1 Cl 0.5 0.5 0.5
`;
const parts: string[] = [];
let size = 0;
for (let i = 0; size < megabytes * 1e6; i++) {
  const text = block(i);
  parts.push(text);
  size += text.length;
}
const big = parts.join('');
const blocks = time(`${parts.length} blocks (${megabytes} MB), parse`, big.length, () => parseCif(big));
console.log(`  ${blocks.length} blocks`);
try {
  time(`${parts.length} blocks (${megabytes} MB), structures`, big.length, () => readCifStructures(big));
} catch (error) {
  console.log(`  structures: ${(error as Error).message}`);
}
const within = parts.slice(0, 60_000).join('');
const structures = time(`${Math.min(parts.length, 60_000)} blocks, structures (480,000 images, within the per-file bound)`, within.length, () => readCifStructures(within));
console.log(`  ${structures.length} structures`);

// Expansion cost per image: one block at the per-block bound (sites × 48 operations of Pm-3m... here P1 ops × sites).
const ops = ['x,y,z', '-x,-y,-z', '-x,y,-z', 'x,-y,z'];
const sites = 50_000;
const lines = [`data_big`, '_cell_length_a 200', '_cell_length_b 200', '_cell_length_c 200', '_cell_angle_alpha 90', '_cell_angle_beta 90', '_cell_angle_gamma 90', 'loop_', '_symmetry_equiv_pos_as_xyz', ...ops.map((o) => `'${o}'`), 'loop_', '_atom_site_label', '_atom_site_fract_x', '_atom_site_fract_y', '_atom_site_fract_z'];
for (let i = 0; i < sites; i++) lines.push(`C${i} ${(Math.random() * 0.5).toFixed(5)} ${(Math.random() * 0.5).toFixed(5)} ${(Math.random() * 0.5).toFixed(5)}`);
const expansion = lines.join('\n');
const [expanded] = time(`expansion: ${sites} sites × ${ops.length} operations = ${sites * ops.length} images (the per-block bound), parse included`, expansion.length, () => readCifStructures(expansion));
console.log(`  ${expanded!.structure.numSites} atoms`);
