#!/usr/bin/python3
"""Judge generated crystals the way issue #24 did, independently of the app's own checks (pymatgen, ASE radii):

  /usr/bin/python3 scripts/judge_rl_samples.py --spec strict=resources/rewards/bandgap-dielectric.json \
      --spec smact=SPEC_OLD.json pretrained=GEN_DIR policy=GEN_DIR [--json OUT.json]

For each generated folder (`cfstudio generate --out DIR`, its NNNNNN.cif files):
- reward: `cfstudio reward score SPEC` on the CIFs (spec guards removed: they judge a training batch, not a
  sample); mean over the crystals passing the spec's constraints (reward above every penalty), and how many pass;
- structurally valid: every distance between two atoms >= 0.5 A (pymatgen distance matrix);
- charge-balanced with pymatgen's common oxidation states (Composition.oxi_state_guesses with
  Element.common_oxidation_states; atoms of one element may mix them);
- strict compositional rule (scripts/composition_plausibility.py, the reference of the app's rule) at the first
  spec's `constraints.composition.minStateProbability` (the threshold the run was trained with) and at 0.05;
- unique: number of groups of pymatgen's StructureMatcher (default tolerances) / number of crystals;
- contacts: shortest distance >= 0.5 x (r_i + r_j), ASE covalent radii (Cordero);
- the 10 best crystals by reward, each with both charge-balance verdicts.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
from ase.data import atomic_numbers, covalent_radii
from pymatgen.analysis.structure_matcher import StructureMatcher
from pymatgen.core import Structure

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import composition_plausibility as plausibility  # noqa: E402

warnings.filterwarnings('ignore')
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def reward_scores(spec_path, files):
    with open(spec_path) as f:
        spec = json.load(f)
    spec.pop('guards', None)
    # A candidate passes when its reward is above every constraint's penalty (the spec's and its per-constraint ones).
    penalty = max([spec.get('penalty', -1), *spec.get('penalties', {}).values()])
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as tmp:
        json.dump(spec, tmp)
    try:
        run = subprocess.run(['node', os.path.join(REPO, 'electron/cli/bin.mjs'), 'reward', 'score', tmp.name, *files, '--json'],
                             capture_output=True, text=True, cwd=REPO)
    finally:
        os.unlink(tmp.name)
    if run.returncode not in (0, 1):
        raise RuntimeError(run.stderr)
    out = json.loads(run.stdout)
    by_file = dict(zip(out['files'], out['reward']))
    return [by_file.get(f) for f in files], penalty


def contact_ratio(s):
    if len(s) < 2:
        return float('inf')
    d = s.distance_matrix.copy()
    np.fill_diagonal(d, np.inf)
    r = np.array([covalent_radii[atomic_numbers[site.specie.symbol]] for site in s])
    return float((d / (r[:, None] + r[None, :])).min())


def spec_threshold(spec_path):
    """The strict rule's threshold in a reward spec (the default 0.05 when the spec has none)."""
    with open(spec_path) as f:
        composition = json.load(f).get('constraints', {}).get('composition') or {}
    return composition.get('minStateProbability', plausibility.DEFAULT_TAU)


def judge(folder, specs, tau):
    files = sorted(glob.glob(os.path.join(folder, '*.cif')))
    structures = [Structure.from_file(f) for f in files]
    n = len(structures)
    row = {'folder': folder, 'crystals': n}
    formulas = [s.composition.reduced_formula for s in structures]
    structural = []
    for s in structures:
        d = s.distance_matrix.copy()
        np.fill_diagonal(d, np.inf)
        structural.append(len(s) < 2 or d.min() >= 0.5)
    common = [plausibility.common_balanced(f) for f in formulas]
    strict = [plausibility.verdict(f, tau, alloys=False)['valid'] for f in formulas]
    strict_default = [plausibility.verdict(f, plausibility.DEFAULT_TAU, alloys=False)['valid'] for f in formulas]
    contacts = [contact_ratio(s) >= 0.5 for s in structures]
    groups = StructureMatcher().group_structures(structures)
    row.update({
        'structurallyValid': sum(structural) / n,
        'chargeBalancedCommon': sum(common) / n,
        'strictCompositionThreshold': tau,
        'strictComposition': sum(strict) / n,
        'strictCompositionAt0.05': sum(strict_default) / n,
        'unique': len(groups) / n,
        'contacts': sum(contacts) / n,
    })
    for label, path in specs:
        rewards, penalty = reward_scores(path, files)
        passing = [r for r in rewards if r is not None and r > penalty]
        row[f'reward:{label}'] = {'mean': float(np.mean(passing)) if passing else None, 'passing': len(passing)}
        if label == specs[0][0]:
            order = sorted((i for i, r in enumerate(rewards) if r is not None and r > penalty), key=lambda i: -rewards[i])[:10]
            row['top10'] = [{'file': os.path.basename(files[i]), 'formula': formulas[i], 'reward': rewards[i],
                             'chargeBalancedCommon': common[i], 'strictComposition': strict[i]} for i in order]
    return row


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--spec', action='append', default=[], help='LABEL=SPEC.json; the first ranks the top 10')
    parser.add_argument('--json')
    parser.add_argument('folders', nargs='+', help='LABEL=GENERATED_DIR')
    args = parser.parse_args()
    specs = [tuple(s.split('=', 1)) for s in args.spec]
    tau = spec_threshold(specs[0][1]) if specs else plausibility.DEFAULT_TAU
    rows = {}
    for item in args.folders:
        label, folder = item.split('=', 1)
        rows[label] = judge(folder, specs, tau)
        print(f'judged {label}: {json.dumps({k: v for k, v in rows[label].items() if k != "top10"})}', file=sys.stderr)
    labels = list(rows)
    pct = lambda x: f'{100 * x:.1f} %'
    lines = ['| | ' + ' | '.join(labels) + ' |', '|---|' + '---|' * len(labels)]
    for label, _ in specs:
        cells = []
        for l in labels:
            r = rows[l][f'reward:{label}']
            cells.append(f"{r['mean']:.1f} ({r['passing']} / {rows[l]['crystals']} pass)" if r['mean'] is not None else '-')
        lines.append(f'| mean reward of crystals passing the {label} spec\'s constraints | ' + ' | '.join(cells) + ' |')
    for key, name in [('structurallyValid', 'structurally valid (0.5 Å)'), ('chargeBalancedCommon', "charge-balanced with pymatgen's common oxidation states"),
                      ('strictComposition', f'strict compositional rule (ICSD states ≥ {100 * tau:g} %, no intermetallics)'),
                      ('strictCompositionAt0.05', 'strict compositional rule (ICSD states ≥ 5 %, no intermetallics)'), ('unique', 'unique (StructureMatcher)'),
                      ('contacts', 'shortest contact ≥ 0.5 × (r_i + r_j)')]:
        lines.append(f'| {name} | ' + ' | '.join(pct(rows[l][key]) for l in labels) + ' |')
    print('\n'.join(lines))
    for l in labels:
        top = rows[l].get('top10', [])
        print(f'\ntop 10 of {l}: ' + ', '.join(f"{t['formula']} {t['reward']:.1f}{'' if t['chargeBalancedCommon'] else ' (NOT common-balanced)'}" for t in top))
        print(f"  charge-balanced (common states): {sum(t['chargeBalancedCommon'] for t in top)} / {len(top)}; strict rule: {sum(t['strictComposition'] for t in top)} / {len(top)}")
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(rows, f, indent=2)


if __name__ == '__main__':
    main()
