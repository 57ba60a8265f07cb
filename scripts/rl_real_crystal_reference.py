#!/usr/bin/python3
"""Where does a policy's reward sit among real crystals? Score known crystals with a reward spec, as the RL judge
scores generated ones (issue #24):

  /usr/bin/python3 scripts/rl_real_crystal_reference.py [--spec resources/rewards/bandgap-dielectric.json] \
      [--data ../shared/data/structures/mp_20_val.csv.gz] [--n 2000] [--seed 12] [--json OUT.json] [MEAN ...]

Draws --n crystals from the CSV (its `cif` column; the MP-20 validation split by default — the test split is
reserved for independent evaluation), scores them with `cfstudio reward score SPEC` (guards removed, as
scripts/judge_rl_samples.py does) and prints, for the crystals that pass the spec's constraints: how many, their mean
reward, percentiles, and for each MEAN given on the command line the share of real passing crystals scoring at least
that much — e.g. the mean a policy reached, or the one a target asks for.
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from judge_rl_samples import REPO, reward_scores  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--spec', default=os.path.join(REPO, 'resources/rewards/bandgap-dielectric.json'))
    parser.add_argument('--data', default=os.path.join(REPO, '../shared/data/structures/mp_20_val.csv.gz'))
    parser.add_argument('--n', type=int, default=2000)
    parser.add_argument('--seed', type=int, default=12)
    parser.add_argument('--json', help='write the scores and the summary here')
    parser.add_argument('means', nargs='*', type=float, help='rewards to place among the real passing crystals')
    args = parser.parse_args()

    if 'test' in os.path.basename(args.data):
        sys.exit(f'{args.data}: the test split is reserved for independent evaluation')
    data = pd.read_csv(args.data)
    sample = data.sample(n=min(args.n, len(data)), random_state=args.seed)
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for i, (material, cif) in enumerate(zip(sample['material_id'], sample['cif'])):
            path = os.path.join(folder, f'{i:06d}_{material}.cif')
            with open(path, 'w') as f:
                f.write(cif)
            files.append(path)
        rewards, penalty = reward_scores(args.spec, files)
    ids = list(sample['material_id'])
    passing = np.array([r for r in rewards if r is not None and r > penalty])
    summary = {
        'spec': os.path.relpath(args.spec, REPO),
        'data': os.path.basename(args.data),
        'crystals': len(ids),
        'pass': int(len(passing)),
        'mean': float(passing.mean()),
        'percentiles': {str(q): float(np.percentile(passing, q)) for q in (25, 50, 75, 90, 95, 97, 99)},
        'shareAtLeast': {str(m): float((passing >= m).mean()) for m in args.means},
    }
    print(f"{summary['data']}: {len(ids)} crystals (seed {args.seed}), {summary['pass']} pass {summary['spec']}'s constraints")
    print(f"  mean reward of those passing {summary['mean']:.1f}; percentiles " +
          ', '.join(f'{q}th {v:.1f}' for q, v in summary['percentiles'].items()))
    for m, share in summary['shareAtLeast'].items():
        print(f'  reward >= {float(m):g}: {100 * share:.1f} % of the real passing crystals')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump({**summary, 'scores': dict(zip(ids, rewards))}, f, indent=1)


if __name__ == '__main__':
    main()
