import { describe, expect, it } from 'vitest';
import { Composition, FormulaError } from '../../shared/crystal/composition.ts';
import { Lattice } from '../../shared/crystal/lattice.ts';
import { Structure } from '../../shared/crystal/structure.ts';

describe('Composition', () => {
  it('parses simple, bracketed and hydrate formulas', () => {
    const hematite = Composition.fromFormula('Fe2O3');
    expect(hematite.amount('Fe')).toBe(2);
    expect(hematite.amount('O')).toBe(3);
    const portlandite = Composition.fromFormula('Ca(OH)2');
    expect(Object.fromEntries(portlandite.amounts)).toEqual({ Ca: 1, O: 2, H: 2 });
    const vitriol = Composition.fromFormula('CuSO4·5H2O');
    expect(Object.fromEntries(vitriol.amounts)).toEqual({ Cu: 1, S: 1, O: 9, H: 10 });
    const prussiate = Composition.fromFormula('K4[Fe(CN)6]');
    expect(Object.fromEntries(prussiate.amounts)).toEqual({ K: 4, Fe: 1, C: 6, N: 6 });
    expect(Composition.fromFormula('Fe0.5 Ni0.5').amount('Ni')).toBe(0.5);
    // "Co" is cobalt, "CO" is carbon + oxygen.
    expect(Composition.fromFormula('Co').elements).toEqual(['Co']);
    expect(Composition.fromFormula('CO').elements).toEqual(['C', 'O']);
  });

  it('rejects malformed formulas with a position', () => {
    for (const bad of ['', 'Fe2O3)', 'Ca(OH', 'Xx2', 'fe2o3', 'Fe2..3', 'Na·']) {
      expect(() => Composition.fromFormula(bad), bad).toThrow(FormulaError);
    }
    expect(() => Composition.fromFormula('Ca(OH')).toThrow(/missing '\)'/);
  });

  it('gives molar masses that match textbook values', () => {
    expect(Composition.fromFormula('H2O').weight).toBeCloseTo(18.015, 2);
    expect(Composition.fromFormula('NaCl').weight).toBeCloseTo(58.44, 2);
    expect(Composition.fromFormula('Fe2O3').weight).toBeCloseTo(159.69, 2);
    expect(Composition.fromFormula('CuSO4·5H2O').weight).toBeCloseTo(249.69, 1);
    expect(Composition.fromFormula('C6H12O6').weight).toBeCloseTo(180.156, 2);
  });

  it('reduces formulas as pymatgen does (electronegativity order, polyanions, special cases)', () => {
    const cases: [string, string, number][] = [
      ['Li4Fe4P4O16', 'LiFePO4', 4],
      ['Na4Cl4', 'NaCl', 4],
      ['CaN2O6', 'Ca(NO3)2', 1],
      ['Mg3P2O8', 'Mg3(PO4)2', 1],
      ['Al2S3O12', 'Al2(SO4)3', 1],
      ['K4FeC6N6', 'K4Fe(CN)6', 1],
      ['Ca(OH)2', 'Ca(HO)2', 1],
      ['Ba2Cu3YO7', 'Ba2YCu3O7', 1],
      ['C6H12O6', 'H2CO', 6],
      ['O4', 'O2', 2],
      ['Li2O2', 'Li2O2', 1],
      ['Si2O4', 'SiO2', 2],
      ['Fe0.5Ni0.5', 'Fe0.5Ni0.5', 1],
    ];
    for (const [input, reduced, factor] of cases) {
      const c = Composition.fromFormula(input);
      expect(c.reducedFormula, input).toBe(reduced);
      expect(c.reducedFormulaAndFactor.factor, input).toBe(factor);
    }
    expect(Composition.fromFormula('Fe4O6').reducedComposition.amount('Fe')).toBe(2);
    expect(Composition.fromFormula('Li4Fe4P4O16').formula).toBe('Li4 Fe4 P4 O16');
  });

  it('writes Hill formulas', () => {
    expect(Composition.fromFormula('C6H12O6').hillFormula).toBe('C6H12O6');
    expect(Composition.fromFormula('CH3CH2OH').hillFormula).toBe('C2H6O');
    expect(Composition.fromFormula('NaCl').hillFormula).toBe('ClNa');
    expect(Composition.fromFormula('H2SO4').hillFormula).toBe('H2O4S');
    expect(Composition.fromFormula('CCl4').hillFormula).toBe('CCl4');
  });

  it('counts the atoms of a structure', () => {
    // Rock salt conventional cell: 4 Na + 4 Cl.
    const fcc: [number, number, number][] = [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]];
    const sites = [
      ...fcc.map((f) => ({ species: 'Na', frac: f })),
      ...fcc.map((f) => ({ species: 'Cl', frac: [f[0] + 0.5, f[1], f[2]] as [number, number, number] })),
    ];
    const c = Composition.fromStructure(new Structure(Lattice.cubic(5.64), sites));
    expect(c.numAtoms).toBe(8);
    expect(c.reducedFormula).toBe('NaCl');
    expect(c.reducedFormulaAndFactor.factor).toBe(4);
    expect(c.fraction('Na')).toBeCloseTo(0.5, 12);
    expect(c.weightFraction('Na')).toBeCloseTo(22.98977 / 58.443, 4);
    const fractions = [...c.fractions.values()];
    expect(fractions.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });
});
