/**
 * The shipped band gap × dielectric preset's compositional constraint on the crystals that fooled the previous
 * version of it: the ten best crystals of the 110-step run with `minStateProbability` 0.05 (README, "RL that does
 * not fool its judges"), eight of which need W(V) or Ta(IV). The independent fact is pymatgen's own verdict —
 * charge balance with `Element.common_oxidation_states` (scripts/composition_plausibility.py `common_balanced`).
 * Skipped with a message when /usr/bin/python3 has no pymatgen.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readRewardSpecFile } from '../../electron/rewards/index.ts';
import { compositionalPlausibility } from '../../electron/stability/plausibility.ts';
import { Composition } from '../../shared/crystal/composition.ts';

const PYTHON = '/usr/bin/python3';
const SCRIPTS = new URL('../../scripts/', import.meta.url).pathname;
const PRESET = new URL('../../resources/rewards/bandgap-dielectric.json', import.meta.url).pathname;
const hasPymatgen = spawnSync(PYTHON, ['-c', 'import pymatgen.core, yaml'], { encoding: 'utf8' }).status === 0;
if (!hasPymatgen) console.warn('skipping the preset check against pymatgen: /usr/bin/python3 has no pymatgen');

/** The previous run's top 10 by reward (README), in rank order. */
const PREVIOUS_TOP_TEN = ['Sr2LuTaO6', 'Sr2ScWO6', 'Sr2LaWO6', 'Ba2HoWO6', 'Ba2YWO6', 'Ba2LaWO6', 'Ba2DyWO6', 'Ba2TbWO6', 'Ba2PrWO6', 'Sr2PrTaO6'];

function pymatgenCommonBalanced(formulas: readonly string[]): boolean[] {
  const code = 'import json, sys\nsys.path.insert(0, sys.argv[1])\nimport composition_plausibility as p\nprint(json.dumps([p.common_balanced(f) for f in json.load(sys.stdin)]))';
  const run = spawnSync(PYTHON, ['-c', code, SCRIPTS], { input: JSON.stringify(formulas), encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as boolean[];
}

describe('the shipped band gap × dielectric preset', () => {
  it.skipIf(!hasPymatgen)("accepts exactly the previous run's best crystals that pymatgen's common oxidation states balance", () => {
    const composition = readRewardSpecFile(PRESET).constraints?.composition;
    expect(composition?.rule).toBe('icsd-oxidation-states');
    const accepted = PREVIOUS_TOP_TEN.map(
      (formula) =>
        compositionalPlausibility(Composition.fromFormula(formula), {
          ...(composition?.minStateProbability !== undefined ? { minStateProbability: composition.minStateProbability } : {}),
          ...(composition?.alloys !== undefined ? { alloys: composition.alloys } : {}),
        }).valid,
    );
    const balanced = pymatgenCommonBalanced(PREVIOUS_TOP_TEN);
    expect(balanced.filter(Boolean).length).toBe(2); // the W(V) double perovskites are not: the test has teeth
    expect(accepted).toEqual(balanced);
  });
});
