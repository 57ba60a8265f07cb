/**
 * Formation energy and E_hull with decomposition against pymatgen: the same raw energies go through pymatgen's
 * MP2020 correction, a formation energy from the same elemental entries, and a PhaseDiagram of the same reference
 * entries (hull_reference.csv rows of the chemical system plus the elements at 0 eV/atom); E_hull, formation
 * energy and the decomposition (phases and atom fractions) must agree to 1e-6. Skipped without pymatgen or the data.
 */
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { Composition } from '../../shared/crystal/composition.ts';
import { Lattice } from '../../shared/crystal/lattice.ts';
import { Structure } from '../../shared/crystal/structure.ts';
import { defaultElementalReferencesPath, defaultMp2020Path, PARTIAL_HULL_NOTE, StabilityAnalyzer } from '../../electron/stability/index.ts';
import { defaultHullReferencePath } from '../../electron/rewards/hull.ts';
import { gridCrystal, PROTOTYPES, type TestCrystal } from './crystals.ts';
import { runPymatgen } from './pymatgen.ts';

const hullPath = defaultHullReferencePath();
const haveData = hullPath !== undefined && existsSync(defaultMp2020Path()) && existsSync(defaultElementalReferencesPath());
if (!haveData) console.warn('skipping stability tests: hull_reference.csv, MP2020Compatibility.yaml or the elemental references not found');
const hasPymatgen = spawnSync('/usr/bin/python3', ['-c', 'import pymatgen.analysis.phase_diagram'], { encoding: 'utf8' }).status === 0;
if (!hasPymatgen) console.warn('skipping the pymatgen PhaseDiagram comparison: /usr/bin/python3 has no pymatgen');

/** Crystals and the formation energy (eV/atom) their raw energy is chosen to give — some above, some below the hull. */
const CASES: [TestCrystal, number][] = [
  [PROTOTYPES.find((c) => c.id.startsWith('Fe2O3'))!, -1.6],
  [PROTOTYPES.find((c) => c.id.startsWith('NiO'))!, -1.0],
  [PROTOTYPES.find((c) => c.id.startsWith('NaCl'))!, -2.0],
  [PROTOTYPES.find((c) => c.id.startsWith('LiF'))!, -3.2],
  [PROTOTYPES.find((c) => c.id.startsWith('ZnS'))!, -0.9],
  [PROTOTYPES.find((c) => c.id.startsWith('Li2O2'))!, -1.1],
  [PROTOTYPES.find((c) => c.id.startsWith('MnO2'))!, -1.3],
  [PROTOTYPES.find((c) => c.id.startsWith('SiO2'))!, -3.1],
  [PROTOTYPES.find((c) => c.id.startsWith('CaF2'))!, -4.0],
  [{ id: 'Li5Fe3O7 (grid)', structure: gridCrystal('Li5Fe3O7') }, -1.8],
  [{ id: 'LiFePO4 (grid)', structure: gridCrystal('LiFePO4') }, -2.5],
  [{ id: 'Li3N (grid)', structure: gridCrystal('Li3N') }, -0.3],
  [{ id: 'NaAlSiO4 (grid)', structure: gridCrystal('NaAlSiO4') }, -3.0],
];

describe.skipIf(!haveData)('StabilityAnalyzer', () => {
  let analyzer: StabilityAnalyzer;
  let rawEnergies: number[];
  beforeAll(async () => {
    analyzer = await StabilityAnalyzer.load();
    // Raw energy giving the chosen formation energy: elements + N·E_f − correction.
    rawEnergies = CASES.map(([crystal, formation]) => {
      const composition = Composition.fromStructure(crystal.structure);
      const correction = analyzer.correctedEnergy(crystal.structure, 0).correction;
      return analyzer.elements.energyOfElements(composition) + composition.numAtoms * formation - correction;
    });
  });

  it('formation energy: corrected energy minus the elemental references, per atom (Fe2O3 by hand)', () => {
    const [crystal] = CASES[0]!;
    const raw = -6.5 * 10;
    // 4 Fe and 6 O; MP entry energies per atom: Fe −16.63, O −39.5735/8 (from the JSON), corrections 6·−0.687 + 4·−2.256.
    const expected = (raw + 6 * -0.687 + 4 * -2.256 - 4 * analyzer.elements.energyPerAtom('Fe') - 6 * (-39.57350969 / 8)) / 10;
    expect(analyzer.formationEnergyPerAtom(crystal.structure, raw)).toBeCloseTo(expected, 10);
  });

  it('an element on its own reference energy is on the hull with E_f = 0', () => {
    const fe = Structure.fromSpecies(Lattice.cubic(2.86), ['Fe', 'Fe'], [[0, 0, 0], [0.5, 0.5, 0.5]]);
    const result = analyzer.energyAboveHull(fe, 2 * analyzer.elements.energyPerAtom('Fe'));
    expect(result.formationEnergyPerAtom).toBeCloseTo(0, 12);
    expect(result.eHull).toBeCloseTo(0, 9);
    expect(result.decomposition).toEqual([expect.objectContaining({ id: 'element:Fe', formula: 'Fe', fraction: 1 })]);
    expect(result.reference).toBe(PARTIAL_HULL_NOTE);
  });

  it('decomposition fractions sum to 1 and reproduce the hull energy; phase energies are on the corrected scale', () => {
    for (const [index, [crystal]] of CASES.entries()) {
      const result = analyzer.energyAboveHull(crystal.structure, rawEnergies[index]!);
      const total = result.decomposition.reduce((s, p) => s + p.fraction, 0);
      expect(total, crystal.id).toBeCloseTo(1, 9);
      expect(result.decomposition.reduce((s, p) => s + p.fraction * p.formationEnergyPerAtom, 0), crystal.id).toBeCloseTo(result.hullFormationEnergyPerAtom, 9);
      for (const phase of result.decomposition) {
        const composition = Composition.fromFormula(phase.formula);
        expect(phase.energyPerAtom).toBeCloseTo(phase.formationEnergyPerAtom + analyzer.elements.energyOfElements(composition) / composition.numAtoms, 9);
      }
      expect(result.eHull).toBeCloseTo(result.formationEnergyPerAtom - result.hullFormationEnergyPerAtom, 12);
    }
  });

  it.skipIf(!hasPymatgen)(`E_hull, formation energy and decomposition equal pymatgen's PhaseDiagram on ${CASES.length} crystals`, () => {
    const reference = runPymatgen(CASES.map(([c]) => c), { csv: hullPath!, elements: defaultElementalReferencesPath() }, rawEnergies) as unknown as {
      id: string;
      formation_energy_per_atom: number;
      e_hull: number;
      decomposition: Record<string, number>;
    }[];
    let above = 0;
    let below = 0;
    for (const [index, [crystal, formation]] of CASES.entries()) {
      const expected = reference[index]!;
      const ours = analyzer.energyAboveHull(crystal.structure, rawEnergies[index]!);
      expect(Math.abs(ours.formationEnergyPerAtom - expected.formation_energy_per_atom), crystal.id).toBeLessThan(1e-6);
      expect(Math.abs(ours.formationEnergyPerAtom - formation), crystal.id).toBeLessThan(1e-9);
      expect(Math.abs(ours.eHull - expected.e_hull), crystal.id).toBeLessThan(1e-6);
      const phases: Record<string, number> = {};
      for (const phase of ours.decomposition) phases[phase.formula] = (phases[phase.formula] ?? 0) + phase.fraction;
      expect(Object.keys(phases).sort(), crystal.id).toEqual(Object.keys(expected.decomposition).sort());
      for (const [formula, fraction] of Object.entries(expected.decomposition)) expect(Math.abs(phases[formula]! - fraction), `${crystal.id}: ${formula}`).toBeLessThan(1e-6);
      if (ours.eHull > 1e-6) above++;
      if (ours.eHull < -1e-6) below++;
    }
    // The cases exercise both sides of the hull.
    expect(above).toBeGreaterThan(0);
    expect(below).toBeGreaterThan(0);
  });
});
