/**
 * Extended XYZ (the format of ASE, QUIP and OVITO): atom count, a comment line of key=value pairs carrying the
 * cell (`Lattice="ax ay az bx by bz cx cy cz"`, rows = lattice vectors in Å), the column layout
 * (`Properties=species:S:1:pos:R:3`) and periodicity (`pbc="T T T"`), then one line per atom with Cartesian Å.
 */
import type { Structure } from '../crystal/structure.ts';

export interface XyzWriteOptions {
  /** Extra key=value pairs for the comment line (values are quoted when they contain spaces). */
  info?: Readonly<Record<string, string | number>>;
}

function infoValue(value: string | number): string {
  const text = String(value);
  return /^[^\s"=]+$/.test(text) ? text : `"${text.replace(/["\\]/g, '\\$&')}"`;
}

export function writeExtendedXyz(structure: Structure, options: XyzWriteOptions = {}): string {
  const number = (x: number) => {
    const text = x.toFixed(8);
    return text === '-0.00000000' ? '0.00000000' : text;
  };
  const lattice = structure.lattice.matrix.flatMap((row) => row.map(number)).join(' ');
  const extras = Object.entries(options.info ?? {})
    .filter(([key]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) && !['Lattice', 'Properties', 'pbc'].includes(key))
    .map(([key, value]) => ` ${key}=${infoValue(value)}`)
    .join('');
  const lines = [String(structure.numSites), `Lattice="${lattice}" Properties=species:S:1:pos:R:3 pbc="T T T"${extras}`];
  for (const site of structure.sites) {
    const p = structure.lattice.getCartesianCoords(site.frac);
    lines.push(`${site.species.padEnd(2)} ${p.map((x) => number(x).padStart(14)).join(' ')}`);
  }
  return lines.join('\n') + '\n';
}
