/**
 * The periodic table, Z = 1…118. (The full element table — names, masses, radii, oxidation states, colours —
 * extends this file.)
 */

export const ELEMENT_SYMBOLS: readonly string[] = [
  'H', 'He', 'Li', 'Be', 'B', 'C', 'N', 'O', 'F', 'Ne',
  'Na', 'Mg', 'Al', 'Si', 'P', 'S', 'Cl', 'Ar', 'K', 'Ca',
  'Sc', 'Ti', 'V', 'Cr', 'Mn', 'Fe', 'Co', 'Ni', 'Cu', 'Zn',
  'Ga', 'Ge', 'As', 'Se', 'Br', 'Kr', 'Rb', 'Sr', 'Y', 'Zr',
  'Nb', 'Mo', 'Tc', 'Ru', 'Rh', 'Pd', 'Ag', 'Cd', 'In', 'Sn',
  'Sb', 'Te', 'I', 'Xe', 'Cs', 'Ba', 'La', 'Ce', 'Pr', 'Nd',
  'Pm', 'Sm', 'Eu', 'Gd', 'Tb', 'Dy', 'Ho', 'Er', 'Tm', 'Yb',
  'Lu', 'Hf', 'Ta', 'W', 'Re', 'Os', 'Ir', 'Pt', 'Au', 'Hg',
  'Tl', 'Pb', 'Bi', 'Po', 'At', 'Rn', 'Fr', 'Ra', 'Ac', 'Th',
  'Pa', 'U', 'Np', 'Pu', 'Am', 'Cm', 'Bk', 'Cf', 'Es', 'Fm',
  'Md', 'No', 'Lr', 'Rf', 'Db', 'Sg', 'Bh', 'Hs', 'Mt', 'Ds',
  'Rg', 'Cn', 'Nh', 'Fl', 'Mc', 'Lv', 'Ts', 'Og',
];

const numberBySymbol = new Map(ELEMENT_SYMBOLS.map((symbol, index) => [symbol, index + 1]));

/** Atomic number of an element symbol (case-sensitive, e.g. 'Fe'). Throws naming the symbol if unknown. */
export function atomicNumber(symbol: string): number {
  const z = numberBySymbol.get(symbol);
  if (z === undefined) throw new Error(`unknown element symbol '${symbol}'`);
  return z;
}

export function isElementSymbol(symbol: string): boolean {
  return numberBySymbol.has(symbol);
}

/** Element symbol for an atomic number 1…118. */
export function elementSymbol(z: number): string {
  const symbol = ELEMENT_SYMBOLS[z - 1];
  if (symbol === undefined) throw new Error(`no element with atomic number ${z}`);
  return symbol;
}
