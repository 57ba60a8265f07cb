// The Library view's query building and row formatting, and the plausibility wording of cards and rows, against
// facts: rock salt's ions are Na⁺ and Cl⁻, magnetite's iron is Fe²⁺ and Fe³⁺ (the strict check computed on the
// Node side is the input; here only how it is worded), 0.62 Å in rock salt is a clash.
import { describe, expect, it } from 'vitest';
import { crystalPlausibility } from '../../electron/library/plausibility.ts';
import { Lattice } from '../../shared/crystal/lattice.ts';
import type { Vec3 } from '../../shared/crystal/linalg.ts';
import { Structure } from '../../shared/crystal/structure.ts';
import { chargeSummary, chargeSuperscript, contactLevel, formatOxidationStates } from '../../renderer/src/views/plausibility.ts';
import { DEFAULT_LIBRARY_FILTERS, libraryQueryFor, parseTagList } from '../../renderer/src/views/library/libraryQuery.ts';
import { formatProperty, promptLabel, propertyValue, propertyValues, runLabel } from '../../renderer/src/views/library/rowFormat.ts';

function rockSalt(a: number): Structure {
  const na: Vec3[] = [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]];
  const cl: Vec3[] = na.map(([x, y, z]) => [(x + 0.5) % 1, y, z]);
  return Structure.fromSpecies(Lattice.cubic(a), [...na.map(() => 'Na'), ...cl.map(() => 'Cl')], [...na, ...cl]);
}

describe('plausibility wording', () => {
  it('writes charges as chemists do', () => {
    expect([1, -1, 2, -2, 3, 10].map(chargeSuperscript)).toEqual(['⁺', '⁻', '²⁺', '²⁻', '³⁺', '¹⁰⁺']);
    expect(formatOxidationStates({ Fe: [2, 3, 3], O: [-2, -2, -2, -2] })).toBe('Fe²⁺ Fe³⁺ O²⁻');
    // Cations first, whatever the order of the record (the check lists elements by atomic number: Cl before K).
    expect(formatOxidationStates({ Cl: [-1], K: [1] })).toBe('K⁺ Cl⁻');
    // Formula order among cations: strontium titanate is Sr²⁺ Ti⁴⁺ O²⁻ (the check lists O, Ti, Sr by atomic number).
    expect(formatOxidationStates({ O: [-2, -2, -2], Ti: [4], Sr: [2] })).toBe('Sr²⁺ Ti⁴⁺ O²⁻');
  });

  it('calls rock salt Na⁺ Cl⁻ with ok contacts, and a 0.62 Å rock salt a clash', () => {
    const halite = crystalPlausibility(rockSalt(5.64));
    expect(chargeSummary(halite).label).toBe('Na⁺ Cl⁻');
    expect(contactLevel(halite.contactRatio)).toBe('ok');
    const squeezed = crystalPlausibility(rockSalt(1.24));
    expect(contactLevel(squeezed.contactRatio)).toBe('clash');
    expect(squeezed.contactsPlausible).toBe(false);
    // Nearest Na–Cl 2.0 Å: 2.0 / 2.8 = 0.71, under the tight band's end.
    expect(contactLevel(crystalPlausibility(rockSalt(4.0)).contactRatio)).toBe('tight');
    expect(contactLevel(null)).toBe('unknown');
  });

  it('names the failing rule when charges do not balance', () => {
    expect(chargeSummary({ chargeVerdict: 'no-balanced-assignment', chargeBalanced: false, oxidationStates: null })).toMatchObject({ label: 'not charge balanced' });
    expect(chargeSummary({ chargeVerdict: 'alloy', chargeBalanced: true, oxidationStates: null }).label).toBe('intermetallic');
  });
});

describe('library query', () => {
  const sort = { by: 'density', direction: 'desc' } as const;
  it('turns the filters into the backend query', () => {
    expect(libraryQueryFor({ ...DEFAULT_LIBRARY_FILTERS, plausibility: 'plausible', tagText: ' keep, stable ,keep', source: 'rl', elementText: 'na cl' }, sort, 50)).toEqual({
      chargeBalanced: true,
      contactsPlausible: true,
      tags: ['keep', 'stable'],
      source: 'rl',
      elements: ['Na', 'Cl'],
      sort,
      limit: 50,
      offset: 50,
    });
    expect(libraryQueryFor({ ...DEFAULT_LIBRARY_FILTERS, plausibility: 'too-close' }, sort, 0)).toMatchObject({ contactsPlausible: false });
    expect(libraryQueryFor({ ...DEFAULT_LIBRARY_FILTERS, plausibility: 'not-balanced' }, sort, 0)).toMatchObject({ chargeBalanced: false });
    expect(libraryQueryFor(DEFAULT_LIBRARY_FILTERS, sort, 0)).toEqual({ sort, limit: 50, offset: 0 });
  });

  it('refuses filter text it cannot read, naming the field', () => {
    expect(() => libraryQueryFor({ ...DEFAULT_LIBRARY_FILTERS, spaceGroupText: '225, 999' }, sort, 0)).toThrow(/Space group '999'/);
    expect(() => libraryQueryFor({ ...DEFAULT_LIBRARY_FILTERS, maxEHullText: 'low' }, sort, 0)).toThrow(/Max E_hull 'low'/);
    expect(parseTagList(' , ')).toEqual([]);
  });
});

describe('library row formatting', () => {
  it('prints predicted properties with units and ± when a band is stored', () => {
    expect(propertyValue('band_gap', 3.1)).toEqual({ name: 'band_gap', value: 3.1, halfWidth: null, unit: 'eV' });
    expect(formatProperty(propertyValue('band_gap', { value: 3.1, uncertainty: { halfWidth: 0.42, lower: 2.68, upper: 3.52 } })!)).toBe('band gap 3.10 ± 0.42 eV');
    expect(formatProperty(propertyValue('formation_energy', { value: -2.051, halfWidth: 0.08 })!)).toBe('formation energy -2.05 ± 0.08 eV/atom');
    expect(propertyValues({ band_gap: 1, note: 'text', dielectric: 12.5 }).map((p) => p.name)).toEqual(['band_gap', 'dielectric']);
  });

  it('names the run (RL for fine-tuning) and the prompt', () => {
    expect(runLabel({ runId: 3, run: { kind: 'finetune', name: 'finetune x' } })).toBe('RL #3');
    expect(runLabel({ runId: null, run: null })).toBeNull();
    expect(promptLabel({ prompt: { spaceGroup: 225, elements: ['Na', 'Cl'], wyckoff: ['a', 'b'] } })).toBe('SG 225 · a b · Na Cl');
    expect(promptLabel({ prompt: { spaceGroup: null, elements: [], wyckoff: null } })).toBe('any SG');
  });
});
