/**
 * Finding a space group as a crystallographer types it (issue 16, item 5): symbols in any spacing, full symbols,
 * the old cubic notation without the bar, non-standard settings (ITA Table 4.3.2.1: Pbnm is Pnma, 62; P21/n is
 * P2_1/c, 14), and prototype names whose Wyckoff prompt must be what our symmetry analysis finds in the archetype
 * crystal, built here from its literature structure (P1, origin moved, atoms shuffled).
 * Also the Generate prompt's storage across restarts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Lattice } from '../../shared/crystal/lattice.ts';
import type { Vec3 } from '../../shared/crystal/linalg.ts';
import { Structure, type Site } from '../../shared/crystal/structure.ts';
import { analyzeStructure } from '../../shared/symmetry/analyze.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { allSpaceGroups, expandOrbit } from '../../shared/symmetry/spacegroups.ts';
import { resolveSpaceGroup, searchSpaceGroups } from '../../renderer/src/prompt/SpaceGroupPicker.tsx';
import { findPrototypes, STRUCTURE_PROTOTYPES } from '../../renderer/src/prompt/prototypes.ts';
import { DEFAULT_PROMPT, loadPrompt, PROMPT_STORAGE_KEY, savePrompt, type PromptState } from '../../renderer/src/prompt/promptState.ts';

beforeAll(async () => {
  await initSymmetry();
});

describe('space-group search', () => {
  it.each([
    ['Fm-3m', 225],
    ['Fm3m', 225],
    ['F m -3 m', 225],
    ['fm-3m', 225],
    ['F 4/m -3 2/m', 225],
    ['Fd3m', 227],
    ['Pm3m', 221],
    ['Ia3d', 230],
    ['Pbnm', 62],
    ['Pnma', 62],
    ['P 21/n', 14],
    ['P2_1/c', 14],
    ['P6_3mc', 186],
    ['P 63/m m c', 194],
    ['R-3m', 166],
    ['225', 225],
  ])('%s names group %i and comes first in the list', (query, number) => {
    expect(resolveSpaceGroup(query)?.number).toBe(number);
    expect(searchSpaceGroups(allSpaceGroups(), query, 'all')[0]?.number).toBe(number);
  });

  it('does not invent a bar for non-cubic groups, and lists partial symbols ignoring bars', () => {
    // 'P3' is group 143 itself; 'P31' is 144: neither becomes P-3.
    expect(resolveSpaceGroup('P3')?.number).toBe(143);
    expect(resolveSpaceGroup('P31')?.number).toBe(144);
    const partial = searchSpaceGroups(allSpaceGroups(), 'Fd3', 'all').map((g) => g.number);
    expect(partial).toEqual(expect.arrayContaining([227, 228]));
    expect(searchSpaceGroups(allSpaceGroups(), 'nonsense', 'all')).toEqual([]);
  });
});

/** Literature structures (conventional cells, ITA standard settings; a in Å). */
const ARCHETYPES: Record<string, { group: number; lattice: [number, number, number, number, number, number]; sites: [string, string, Vec3][] }> = {
  // SrTiO3, a = 3.905 Å.
  SrTiO3: { group: 221, lattice: [3.905, 3.905, 3.905, 90, 90, 90], sites: [['a', 'Sr', [0, 0, 0]], ['b', 'Ti', [0.5, 0.5, 0.5]], ['c', 'O', [0, 0.5, 0.5]]] },
  // Ba2MgWO6, a = 8.10 Å, O x = 0.2625.
  Ba2MgWO6: { group: 225, lattice: [8.1, 8.1, 8.1, 90, 90, 90], sites: [['c', 'Ba', [0.25, 0.25, 0.25]], ['a', 'Mg', [0, 0, 0]], ['b', 'W', [0.5, 0.5, 0.5]], ['e', 'O', [0.2625, 0, 0]]] },
  // MgAl2O4, origin choice 2, a = 8.083 Å, O u = 0.2624.
  MgAl2O4: { group: 227, lattice: [8.083, 8.083, 8.083, 90, 90, 90], sites: [['a', 'Mg', [0.125, 0.125, 0.125]], ['d', 'Al', [0.5, 0.5, 0.5]], ['e', 'O', [0.2624, 0.2624, 0.2624]]] },
  NaCl: { group: 225, lattice: [5.64, 5.64, 5.64, 90, 90, 90], sites: [['a', 'Na', [0, 0, 0]], ['b', 'Cl', [0.5, 0.5, 0.5]]] },
  // ZnO, a = 3.250, c = 5.207 Å, u = 0.382.
  ZnO: { group: 186, lattice: [3.25, 3.25, 5.207, 90, 90, 120], sites: [['b', 'Zn', [1 / 3, 2 / 3, 0]], ['b', 'O', [1 / 3, 2 / 3, 0.382]]] },
  // Cu2MnAl (L2_1), a = 5.95 Å.
  Cu2MnAl: { group: 225, lattice: [5.95, 5.95, 5.95, 90, 90, 90], sites: [['c', 'Cu', [0.25, 0.25, 0.25]], ['a', 'Mn', [0, 0, 0]], ['b', 'Al', [0.5, 0.5, 0.5]]] },
};

function p1Structure(name: string): Structure {
  const a = ARCHETYPES[name]!;
  const shift: Vec3 = [0.137, 0.291, 0.413];
  const sites: Site[] = [];
  for (const [letter, species, point] of a.sites) {
    for (const p of expandOrbit(a.group, letter, point)) sites.push({ species, frac: [p[0] + shift[0], p[1] + shift[1], p[2] + shift[2]] });
  }
  // A deterministic shuffle, so that no site order is inherited from the description.
  sites.sort((s, t) => Math.sin(1000 * (s.frac[0] + 2 * s.frac[1] + 3 * s.frac[2])) - Math.sin(1000 * (t.frac[0] + 2 * t.frac[1] + 3 * t.frac[2])));
  const [la, lb, lc, al, be, ga] = a.lattice;
  return new Structure(Lattice.fromParameters(la, lb, lc, al, be, ga), sites);
}

describe('structure prototypes', () => {
  it.each(STRUCTURE_PROTOTYPES.map((p) => [p.names[0]!, p] as const))('%s: group and Wyckoff prompt are those the analysis finds in the archetype', (_name, prototype) => {
    const analysis = analyzeStructure(p1Structure(prototype.archetype));
    expect(analysis.spaceGroup).toBe(prototype.spaceGroup);
    expect(prototype.sites.map((s) => `${s.letter} ${s.element}`)).toEqual(analysis.description.sites.map((s) => `${s.letter} ${s.species}`));
  });

  it('is found by the names a scientist types', () => {
    expect(findPrototypes('Perovskite')[0]?.archetype).toBe('SrTiO3');
    expect(findPrototypes('double perovskite')[0]?.archetype).toBe('Ba2MgWO6');
    expect(findPrototypes('rock salt')[0]?.archetype).toBe('NaCl');
    expect(findPrototypes('rock-salt')[0]?.archetype).toBe('NaCl');
    expect(findPrototypes('Heusler')[0]?.archetype).toBe('Cu2MnAl');
    expect(findPrototypes('spinel')[0]?.spaceGroup).toBe(227);
    expect(findPrototypes('wurtzite')[0]?.spaceGroup).toBe(186);
    expect(findPrototypes('Fm')).toEqual([]);
    expect(findPrototypes('225')).toEqual([]);
  });
});

describe('the last Generate prompt across restarts', () => {
  const memory = () => {
    const map = new Map<string, string>();
    return { getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v), map };
  };
  it('comes back as saved', () => {
    const store = memory();
    const prompt: PromptState = {
      ...DEFAULT_PROMPT,
      spaceGroup: 221,
      sites: [{ letter: 'a', elements: ['Sr'], tiedTo: null }, { letter: 'b', elements: ['Ti'], tiedTo: null }, { letter: 'c', elements: [], tiedTo: 0 }],
      allowed: ['O', 'Sr', 'Ti'],
      settings: { ...DEFAULT_PROMPT.settings, samples: 12, seed: '7' },
    };
    savePrompt(prompt, store);
    expect(loadPrompt(store)).toEqual(prompt);
  });
  it('falls back to the default when the stored value is not a prompt', () => {
    const store = memory();
    for (const bad of ['{', '{"spaceGroup": 999}', JSON.stringify({ ...DEFAULT_PROMPT, allowed: ['Xx'] }), JSON.stringify({ ...DEFAULT_PROMPT, sites: [{ letter: 'a', elements: [], tiedTo: 0 }] })]) {
      store.map.set(PROMPT_STORAGE_KEY, bad);
      expect(loadPrompt(store)).toEqual(DEFAULT_PROMPT);
    }
    expect(loadPrompt(null)).toEqual(DEFAULT_PROMPT);
  });
});
