/**
 * Structure prototypes a materials scientist types instead of a space group ("perovskite", "spinel"): each names
 * its group and the Wyckoff prompt of its archetype, in the description our symmetry analysis gives that crystal
 * (shared/symmetry/analyze.ts; tests/renderer/space-group-search.test.ts analyses each archetype and compares).
 * The archetype's elements pre-fill the sites so that the user sees which site is which and edits from there.
 */
export interface PrototypeSite {
  letter: string;
  /** Element of the archetype on this site. */
  element: string;
}

export interface StructurePrototype {
  /** Lower-case names a user may type, the first one shown. */
  names: readonly string[];
  /** The archetype, e.g. 'SrTiO3'. */
  archetype: string;
  spaceGroup: number;
  /** In the order the model accepts (letters never decrease). */
  sites: readonly PrototypeSite[];
}

export const STRUCTURE_PROTOTYPES: readonly StructurePrototype[] = [
  { names: ['perovskite', 'cubic perovskite'], archetype: 'SrTiO3', spaceGroup: 221, sites: [{ letter: 'a', element: 'Sr' }, { letter: 'b', element: 'Ti' }, { letter: 'c', element: 'O' }] },
  {
    names: ['double perovskite', 'rock-salt ordered double perovskite', 'elpasolite'],
    archetype: 'Ba2MgWO6',
    spaceGroup: 225,
    sites: [{ letter: 'a', element: 'Mg' }, { letter: 'b', element: 'W' }, { letter: 'c', element: 'Ba' }, { letter: 'e', element: 'O' }],
  },
  { names: ['spinel'], archetype: 'MgAl2O4', spaceGroup: 227, sites: [{ letter: 'a', element: 'Mg' }, { letter: 'd', element: 'Al' }, { letter: 'e', element: 'O' }] },
  { names: ['rock salt', 'rocksalt', 'halite'], archetype: 'NaCl', spaceGroup: 225, sites: [{ letter: 'a', element: 'Na' }, { letter: 'b', element: 'Cl' }] },
  { names: ['wurtzite'], archetype: 'ZnO', spaceGroup: 186, sites: [{ letter: 'b', element: 'O' }, { letter: 'b', element: 'Zn' }] },
  { names: ['heusler', 'full heusler', 'l21'], archetype: 'Cu2MnAl', spaceGroup: 225, sites: [{ letter: 'a', element: 'Al' }, { letter: 'b', element: 'Mn' }, { letter: 'c', element: 'Cu' }] },
];

const squash = (text: string) => text.toLowerCase().replace(/[\s_-]+/g, '');

/** Prototypes whose name starts with the query (spaces, hyphens and case ignored); at least 3 letters. */
export function findPrototypes(query: string): StructurePrototype[] {
  const q = squash(query);
  if (q.length < 3 || /^\d/.test(q)) return [];
  const exact = STRUCTURE_PROTOTYPES.filter((p) => p.names.some((n) => squash(n) === q));
  const prefix = STRUCTURE_PROTOTYPES.filter((p) => !exact.includes(p) && p.names.some((n) => squash(n).startsWith(q)));
  return [...exact, ...prefix];
}
