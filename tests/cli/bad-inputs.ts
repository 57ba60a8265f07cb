/**
 * A folder of structure files as a batch command meets them: two good crystals (rock salt NaCl, CsCl), one that
 * the reader must refuse because two different elements sit at the same position (Cl1 at (½,½,0) is an image of
 * Na1 at the origin under the F-centring), one cut off in the middle of its atom loop, and one binary file.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CSCL, NACL, cubicCif } from '../host/fixtures.ts';

export const GOOD_FILES = ['CsCl.cif', 'NaCl.cif'];
export const BAD_FILES = { 'binary.cif': /binary file/, 'overlap.cif': /overlap\.cif:\d+: overlapping atoms: site 'Cl1' \(Cl\) lies 0\.000 Å from an atom of site 'Na1' \(Na\)/, 'truncated.cif': /truncated\.cif:\d+:/ } as const;

export const OVERLAP_CIF = cubicCif('overlap', 5.6402, 'F m -3 m', [
  ['Na1', 'Na', 0, 0, 0],
  ['Cl1', 'Cl', 0.5, 0.5, 0],
]);

/** NaCl cut after the first value of the second atom row: the loop's values stop mid-row. */
export const TRUNCATED_CIF = NACL.cif.slice(0, NACL.cif.indexOf('Cl1 Cl 0.5') + 'Cl1 Cl 0.5'.length);

/** Bytes no text file has: a NUL, a gzip magic number, invalid UTF-8. */
export const BINARY = Uint8Array.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0xfe, 0x00, 0x41, 0x80, 0x00, 0x0a, 0x5f]);

/** Writes the five files into `dir` and returns their paths, sorted by name (as a shell glob would). */
export function writeMixedFolder(dir: string): string[] {
  writeFileSync(join(dir, 'NaCl.cif'), NACL.cif);
  writeFileSync(join(dir, 'CsCl.cif'), CSCL.cif);
  writeFileSync(join(dir, 'overlap.cif'), OVERLAP_CIF);
  writeFileSync(join(dir, 'truncated.cif'), TRUNCATED_CIF);
  writeFileSync(join(dir, 'binary.cif'), BINARY);
  return ['CsCl.cif', 'NaCl.cif', 'binary.cif', 'overlap.cif', 'truncated.cif'].map((name) => join(dir, name));
}
