/**
 * Prompt rules (CrystalFormer spec §2.5) on real space groups from shared/symmetry, with ITA facts:
 * Fm-3m (225) 4a/4b are fixed points, 32f is x,x,x; Pmmm (47) has 27 positions a…z, A.
 * Also the periodic-table layout and the space-group search.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { allSpaceGroups, getSpaceGroup } from '../../shared/symmetry/spacegroups.ts';
import { appendBlocker, conventionalAtomCount, MAX_PROMPT_SITES, parseElementList, removeSite, validatePrompt, type PromptSite } from '../../renderer/src/prompt/rules.ts';
import { periodicTablePosition } from '../../renderer/src/prompt/PeriodicTable.tsx';
import { searchSpaceGroups } from '../../renderer/src/prompt/SpaceGroupPicker.tsx';
import { parseRoute, parseSupercell, routeHash } from '../../renderer/src/route.ts';
import { ELEMENT_TABLE } from '../../shared/crystal/elements.ts';

beforeAll(async () => {
  await initSymmetry();
});

const site = (letter: string, elements: string[] = [], tiedTo: number | null = null): PromptSite => ({ letter, elements, tiedTo });

describe('Wyckoff prompt rules', () => {
  it('rock salt in Fm-3m: 4a + 4b = 8 atoms; fixed points cannot repeat; letters cannot go back', () => {
    const g = getSpaceGroup(225);
    const sites = [site('a', ['Na']), site('b', ['Cl'])];
    expect(validatePrompt(g, { spaceGroup: 225, sites, allowedElements: [] })).toEqual([]);
    expect(conventionalAtomCount(g, sites)).toBe(8);
    expect(appendBlocker(g, sites, 'b')).toMatch(/only once/);
    expect(appendBlocker(g, sites, 'a')).toMatch(/must not decrease/);
    expect(appendBlocker(g, sites, 'c')).toBeNull();
  });

  it('a position with a free coordinate (32f: x,x,x) can be used more than once', () => {
    const g = getSpaceGroup(225);
    const f = g.wyckoffPositions.find((w) => w.letter === 'f')!;
    expect(f.multiplicity).toBe(32);
    expect(f.dof).toBe(1);
    const sites = [site('f'), site('f')];
    expect(appendBlocker(g, sites, 'f')).toBeNull();
    expect(validatePrompt(g, { spaceGroup: 225, sites, allowedElements: [] })).toEqual([]);
    expect(conventionalAtomCount(g, sites)).toBe(64);
  });

  it('Pmmm has 27 positions, the last lettered A after z', () => {
    const g = getSpaceGroup(47);
    expect(g.wyckoffPositions).toHaveLength(27);
    expect(appendBlocker(g, [site('z')], 'A')).toBeNull();
    expect(appendBlocker(g, [site('A')], 'z')).toMatch(/must not decrease/);
  });

  it('the model takes at most 20 sites', () => {
    const g = getSpaceGroup(1); // P1: only 1a, general position x,y,z
    const sites = Array.from({ length: MAX_PROMPT_SITES }, () => site('a'));
    expect(appendBlocker(g, sites.slice(0, -1), 'a')).toBeNull();
    expect(appendBlocker(g, sites, 'a')).toMatch(/at most 20/);
    expect(validatePrompt(g, { spaceGroup: 1, sites: [...sites, site('a')], allowedElements: [] }).some((i) => i.where === 'sites')).toBe(true);
  });

  it('reports unknown letters, bad elements and bad ties at the site where they are', () => {
    const g = getSpaceGroup(225);
    const issues = validatePrompt(g, {
      spaceGroup: 225,
      sites: [site('a', ['Xx']), site('b', [], 3), site('q')],
      allowedElements: ['Fe', 'Qq'],
    });
    expect(issues).toContainEqual({ where: 'elements', message: "'Qq' is not an element symbol" });
    expect(issues.find((i) => i.where === 0)?.message).toMatch(/'Xx'/);
    expect(issues.find((i) => i.where === 1)?.message).toMatch(/earlier site/);
    expect(issues.find((i) => i.where === 2)?.message).toMatch(/no Wyckoff position q/);
  });

  it('removing a site renumbers ties and drops ties to the removed site', () => {
    const sites = [site('a'), site('b'), site('c', [], 0), site('c', [], 1)];
    expect(removeSite(sites, 1)).toEqual([site('a'), site('c', [], 0), site('c', [], null)]);
    expect(removeSite(sites, 0)).toEqual([site('b'), site('c', [], null), site('c', [], 0)]);
  });

  it('parses typed element lists in any case and names a bad token', () => {
    expect(parseElementList('la NI, o;  La')).toEqual(['La', 'Ni', 'O']);
    expect(() => parseElementList('Fe Xy')).toThrow(/'Xy'/);
  });
});

describe('space-group search', () => {
  it('finds groups by number, by H-M symbol with any spacing, and filters by crystal system', () => {
    const groups = allSpaceGroups();
    expect(searchSpaceGroups(groups, '225', 'all')[0]!.symbol).toBe('Fm-3m');
    expect(searchSpaceGroups(groups, 'P 6_3/m m c', 'all')[0]!.number).toBe(194);
    expect(searchSpaceGroups(groups, 'p63/mmc', 'all')[0]!.number).toBe(194);
    expect(searchSpaceGroups(groups, '', 'cubic')).toHaveLength(36); // groups 195–230
    expect(searchSpaceGroups(groups, '', 'hexagonal')).toHaveLength(27); // 168–194
    expect(searchSpaceGroups(groups, '', 'all')).toHaveLength(230);
    expect(searchSpaceGroups(groups, 'zz', 'all')).toEqual([]);
  });
});

describe('periodic-table layout', () => {
  it('places elements where the long-form table has them', () => {
    expect(periodicTablePosition(1)).toEqual({ row: 1, column: 1 });
    expect(periodicTablePosition(2)).toEqual({ row: 1, column: 18 });
    expect(periodicTablePosition(5)).toEqual({ row: 2, column: 13 }); // B
    expect(periodicTablePosition(26)).toEqual({ row: 4, column: 8 }); // Fe, group 8
    expect(periodicTablePosition(79)).toEqual({ row: 6, column: 11 }); // Au, group 11
    expect(periodicTablePosition(72)).toEqual({ row: 6, column: 4 }); // Hf
    expect(periodicTablePosition(57)).toEqual({ row: 9, column: 3 }); // La heads the lanthanide row
    expect(periodicTablePosition(92)).toEqual({ row: 10, column: 6 }); // U
    expect(periodicTablePosition(118)).toEqual({ row: 7, column: 18 }); // Og
  });

  it('gives every element its own cell', () => {
    const cells = new Set(ELEMENT_TABLE.map((e) => JSON.stringify(periodicTablePosition(e.z))));
    expect(cells.size).toBe(118);
    expect(() => periodicTablePosition(119)).toThrow(/119/);
  });
});

describe('routes', () => {
  it('round-trips a view with parameters and rejects malformed supercells', () => {
    const route = parseRoute(routeHash('viewer', { structure: 'nacl', supercell: '2,2,3' }));
    expect(route.view).toBe('viewer');
    expect(parseSupercell(route.params.get('supercell'))).toEqual([2, 2, 3]);
    expect(parseRoute('#/nowhere').view).toBe('generate');
    expect(parseSupercell('2,2')).toBeNull();
    expect(parseSupercell('2,0,1')).toBeNull();
    expect(parseSupercell('1.5,1,1')).toBeNull();
  });
});
