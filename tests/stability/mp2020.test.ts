/**
 * MP2020 corrections, oxidation-state guesses and the YAML reader against pymatgen 2022.11.7 (Debian
 * python3-pymatgen): MaterialsProject2020Compatibility on the same structures (corrections to 1e-6 eV, the same
 * adjustments by name), Composition.oxi_state_guesses on formulas from hull_reference.csv, and PyYAML on the
 * constants file. Skipped with a message when pymatgen or the data are absent.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Composition } from '../../shared/crystal/composition.ts';
import { Lattice } from '../../shared/crystal/lattice.ts';
import { Structure } from '../../shared/crystal/structure.ts';
import { defaultMp2020Path, guessOxidationStates, Mp2020Compatibility, oxideType, parseYamlMapping, sulfideType } from '../../electron/stability/index.ts';
import { GRID_CRYSTALS, PROTOTYPES } from './crystals.ts';
import { runPymatgen } from './pymatgen.ts';

const PYTHON = '/usr/bin/python3';
const hasPymatgen = spawnSync(PYTHON, ['-c', 'import pymatgen.entries.compatibility, pymatgen.io.vasp.sets'], { encoding: 'utf8' }).status === 0;
if (!hasPymatgen) console.warn('skipping the pymatgen MP2020 comparison: /usr/bin/python3 has no pymatgen (apt-get install python3-pymatgen)');
const YAML_PATH = defaultMp2020Path();
const haveData = existsSync(YAML_PATH);
if (!haveData) console.warn(`skipping MP2020 tests: ${YAML_PATH} not found`);

interface PymatgenCase {
  id: string;
  correction: number;
  uncertainty: number;
  adjustments: Record<string, number>;
  oxidation_states: Record<string, number>;
}

describe.skipIf(!haveData)('MP2020 corrections', () => {
  const scheme = Mp2020Compatibility.load();
  const crystals = [...PROTOTYPES, ...GRID_CRYSTALS];

  it('geometry decides the oxygen and sulfur types', () => {
    const byId = new Map(PROTOTYPES.map((c) => [c.id, c.structure]));
    expect(oxideType(byId.get('Li2O2 peroxide')!)).toBe('peroxide');
    expect(oxideType(byId.get('KO2 superoxide')!)).toBe('superoxide');
    expect(oxideType(byId.get('KO3 ozonide')!)).toBe('ozonide');
    expect(oxideType(byId.get('NaOH hydroxide')!)).toBe('hydroxide');
    expect(oxideType(byId.get('NiO rock salt')!)).toBe('oxide');
    expect(sulfideType(byId.get('ZnS zinc blende')!)).toBe('sulfide');
    expect(sulfideType(byId.get('BaSO4 sulfate (isolated tetrahedron)')!)).toBe('sulfate');
    expect(sulfideType(byId.get('Na2S5 (S chain)')!)).toBe('polysulfide');
  });

  it('hand-checked values from the constants: Fe2O3 and NiO', () => {
    const fe2o3 = scheme.correctedEnergy(PROTOTYPES.find((c) => c.id.startsWith('Fe2O3'))!.structure, -100);
    // 6 O × −0.687 + 4 Fe × −2.256
    expect(fe2o3.correction).toBeCloseTo(6 * -0.687 + 4 * -2.256, 10);
    expect(fe2o3.energy).toBeCloseTo(-100 + fe2o3.correction, 10);
    const nio = scheme.adjustments(PROTOTYPES[0]!.structure);
    expect(nio.map((a) => a.name)).toEqual(['MP2020 anion correction (oxide)', 'MP2020 GGA/GGA+U mixing correction (Ni)']);
    expect(scheme.adjustments(Structure.fromSpecies(Lattice.cubic(2.87), ['Fe', 'Fe'], [[0, 0, 0], [0.5, 0.5, 0.5]]))).toEqual([]);
  });

  it.skipIf(!hasPymatgen)(`equals pymatgen's MaterialsProject2020Compatibility on ${crystals.length} crystals (to 1e-6 eV, adjustment by adjustment)`, () => {
    const reference = runPymatgen(crystals) as unknown as PymatgenCase[];
    for (const [index, crystal] of crystals.entries()) {
      const expected = reference[index]!;
      expect(expected.id).toBe(crystal.id);
      const ours = scheme.correctedEnergy(crystal.structure, -5 * crystal.structure.numSites);
      const names = Object.fromEntries(ours.adjustments.map((a) => [a.name, a.energy]));
      expect(Object.keys(names).sort(), crystal.id).toEqual(Object.keys(expected.adjustments).sort());
      for (const [name, value] of Object.entries(expected.adjustments)) expect(Math.abs(names[name]! - value), `${crystal.id}: ${name}`).toBeLessThan(1e-6);
      expect(Math.abs(ours.correction - expected.correction), crystal.id).toBeLessThan(1e-6);
      expect(Math.abs(ours.correctionUncertainty - expected.uncertainty), crystal.id).toBeLessThan(1e-6);
    }
  });
});

describe.skipIf(!hasPymatgen)('oxidation-state guesses', () => {
  it("equal pymatgen's oxi_state_guesses(max_sites=-20)[0] on 400 formulas of hull_reference.csv and hand-picked ones", () => {
    const csvPath = new URL('../../../shared/data/properties/hull_reference.csv', import.meta.url).pathname;
    const formulas = ['KClO4', 'NH4Cl', 'Fe3O4', 'NaNO3', 'TaON', 'LiAlH4', 'Bi12O17Cl2', 'CuSbS2', 'Mn3O4', 'Li2O2', 'FeSi', 'CaC2', 'Pb3O4', 'Na2S5'];
    if (existsSync(csvPath)) {
      const rows = readFileSync(csvPath, 'utf8').trim().split('\n').slice(1);
      for (let i = 0; i < rows.length && formulas.length < 414; i += Math.floor(rows.length / 400)) formulas.push(rows[i]!.split(',')[1]!);
    }
    const script = 'import json,sys\nfrom pymatgen.core import Composition\nfor f in json.load(sys.stdin):\n    try:\n        g = Composition(f).oxi_state_guesses(max_sites=-20)\n    except ValueError:\n        g = []\n    print(json.dumps(g[0] if g else {}))';
    const run = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(formulas), encoding: 'utf8', maxBuffer: 16 << 20 });
    expect(run.status, run.stderr).toBe(0);
    const expected = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, number>);
    let nonEmpty = 0;
    formulas.forEach((formula, i) => {
      const ours = guessOxidationStates(Composition.fromFormula(formula));
      const theirs = expected[i]!;
      expect(Object.keys(ours).sort(), formula).toEqual(Object.keys(theirs).sort());
      for (const [symbol, state] of Object.entries(theirs)) expect(Math.abs(ours[symbol]! - state), `${formula} ${symbol}`).toBeLessThan(1e-9);
      if (Object.keys(theirs).length > 0) nonEmpty++;
    });
    expect(nonEmpty).toBeGreaterThan(formulas.length / 2);
  });
});

describe('YAML subset reader', () => {
  it.skipIf(!haveData || !hasPymatgen)('reads MP2020Compatibility.yaml exactly as PyYAML does', () => {
    const run = spawnSync(PYTHON, ['-c', 'import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', YAML_PATH], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(parseYamlMapping(readFileSync(YAML_PATH, 'utf8'), YAML_PATH)).toEqual(JSON.parse(run.stdout));
  });

  it('reads nested mappings, comments and scalars', () => {
    const text = 'Name: MP2020\n# a comment\nA:\n  B:\n    x: -1.5 # trailing\n    y: 2e-3\n  c: true\nD: null\n';
    expect(parseYamlMapping(text, 'f.yaml')).toEqual({ Name: 'MP2020', A: { B: { x: -1.5, y: 0.002 }, c: true }, D: null });
  });

  it('refuses what it does not understand, naming the line', () => {
    expect(() => parseYamlMapping('A:\n  - 1\n', 'f.yaml')).toThrow(/^f\.yaml:2: /);
    expect(() => parseYamlMapping('A: [1, 2]\n', 'f.yaml')).toThrow(/^f\.yaml:1: unsupported/);
    expect(() => parseYamlMapping('A:\n  x: 1\n   y: 2\n', 'f.yaml')).toThrow(/^f\.yaml:3: indentation/);
    expect(() => parseYamlMapping('A: 1\nA: 2\n', 'f.yaml')).toThrow(/^f\.yaml:2: duplicate key 'A'/);
    expect(() => parseYamlMapping('A:\n\tx: 1\n', 'f.yaml')).toThrow(/tab/);
  });
});
