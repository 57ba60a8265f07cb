#!/usr/bin/python3
"""Check an RL run's best candidates with the potential and both band-gap models (issue #18 "Then"):

  /usr/bin/python3 scripts/check_rl_candidates.py RUN_DIR/best --top 20 --work runs/check-best \
      --json bench/results/X.json --md bench/results/X.md

1. `cfstudio relax` the first N candidates of best.jsonl (space group kept; E_hull against the partial
   MP-20 + MPTS-52 hull, so a lower bound);
2. `cfstudio predict` the relaxed crystals with `band_gap` (ours), `band_gap_megnet` (PBE fidelity) and
   `dielectric_total`, each with its calibrated ± half-width;
3. a candidate survives when its relaxation converged with the space group kept, E_hull <= 0.1 eV/atom, the two
   PBE gap predictions agree within their uncertainty (|ours - MEGNet| <= half-width ours + half-width MEGNet:
   the +/- bands overlap), and its formula is charge-balanced with pymatgen's common oxidation states.
   An E_hull more than 0.1 eV/atom below the partial hull is reported as 'hull incomplete' and does not count.
Existing outputs in --work are reused (delete the folder to redo them).
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import composition_plausibility as plausibility  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(REPO, 'electron/cli/bin.mjs')
MAX_E_HULL = 0.1  # eV/atom, the threshold
# Far below the partial hull means the hull misses a competing phase (e.g. Lu2O3, Y2O3 are not in MP-20 + MPTS-52,
# so LnLuO3 'decomposes' into Lu metal + O2 at -2 eV/atom), not a discovery: such a value verifies nothing.
MIN_TRUSTED_E_HULL = -0.1
PROPERTIES = ['band_gap', 'band_gap_megnet', 'dielectric_total']


def cli(*args):
    run = subprocess.run(['node', CLI, *args], capture_output=True, text=True, cwd=REPO)
    if run.returncode not in (0, 1):
        raise RuntimeError(f'cfstudio {args[0]} failed: {run.stderr.strip()[-2000:]}')
    return run.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('best', help="a finetune run's best/ folder (best.jsonl + CIFs)")
    parser.add_argument('--top', type=int, default=20)
    parser.add_argument('--work', required=True, help='folder for the relaxed CIFs and predictions')
    parser.add_argument('--json')
    parser.add_argument('--md')
    args = parser.parse_args()

    with open(os.path.join(args.best, 'best.jsonl')) as f:
        best = [json.loads(line) for line in f if line.strip()][:args.top]
    files = [os.path.join(args.best, b['file']) for b in best]
    relaxed_dir = os.path.join(args.work, 'relaxed')
    relaxed_log = os.path.join(relaxed_dir, 'relaxed.jsonl')
    if not os.path.exists(relaxed_log):
        cli('relax', *files, '--out', relaxed_dir)
    with open(relaxed_log) as f:
        relaxed = {os.path.basename(r['file']): r for r in (json.loads(line) for line in f if line.strip())}

    predictions_path = os.path.join(args.work, 'predictions.json')
    if not os.path.exists(predictions_path):
        relaxed_files = [os.path.join(relaxed_dir, r['output']) for r in relaxed.values() if r.get('output')
                         and os.path.exists(os.path.join(relaxed_dir, r['output']))]
        out = cli('predict', *relaxed_files, *sum((['--property', p] for p in PROPERTIES), []), '--json')
        with open(predictions_path, 'w') as f:
            f.write(out)
    with open(predictions_path) as f:
        predicted = {os.path.basename(p['file']): p for p in json.load(f)['predictions']}

    rows = []
    for b in best:
        r = relaxed.get(b['file'], {})
        p = predicted.get(r.get('output', ''), {})
        u = p.get('uncertainty', {})
        gaps = (p.get('band_gap'), p.get('band_gap_megnet'))
        agree = None
        if None not in gaps and 'band_gap' in u and 'band_gap_megnet' in u:
            agree = abs(gaps[0] - gaps[1]) <= u['band_gap']['halfWidth'] + u['band_gap_megnet']['halfWidth']
        e_hull = r.get('eHull')
        relaxed_ok = r.get('status') == 'converged' and r.get('spaceGroupBefore') == r.get('spaceGroupAfter')
        balanced = plausibility.common_balanced(b['formula'])
        row = {
            'rank': b['rank'], 'file': b['file'], 'formula': b['formula'], 'spaceGroup': b['spaceGroup'], 'step': b['step'],
            'reward': b['reward'], 'terms': b['terms'],
            'relaxation': {k: r.get(k) for k in ('status', 'steps', 'fmax', 'spaceGroupBefore', 'spaceGroupAfter', 'volumeChange', 'rmsd', 'eHull', 'decomposition')},
            'relaxed': {k: p.get(k) for k in PROPERTIES}, 'uncertainty': {k: u.get(k) for k in PROPERTIES},
            'chargeBalancedCommon': balanced, 'gapModelsAgree': agree,
            'hullIncomplete': e_hull is not None and e_hull < MIN_TRUSTED_E_HULL,
            'eHullOk': e_hull is not None and relaxed_ok and MIN_TRUSTED_E_HULL <= e_hull <= MAX_E_HULL,
        }
        row['survives'] = bool(row['eHullOk'] and agree and balanced)
        rows.append(row)

    survivors = [r for r in rows if r['survives']]
    if args.json:
        with open(args.json, 'w') as f:
            json.dump({'criteria': {'maxEHull': MAX_E_HULL, 'minTrustedEHull': MIN_TRUSTED_E_HULL, 'gapAgreement': '|band_gap - band_gap_megnet| <= sum of their half-widths (relaxed crystal, PBE)',
                                    'chargeBalance': "pymatgen's common oxidation states (scripts/composition_plausibility.py common_balanced)",
                                    'relaxation': 'cfstudio relax, space group kept, fmax 0.05 eV/Å; E_hull on the partial MP-20 + MPTS-52 hull'},
                       'candidates': rows, 'survivors': [r['file'] for r in survivors]}, f, indent=2)
    fmt = lambda x, d=2: '–' if x is None else f'{x:.{d}f}'
    lines = ['| # | crystal | SG | reward | E_hull relaxed (eV/atom) | band_gap ± | MEGNet PBE ± | gaps agree | ε relaxed | common-state balanced | survives |',
             '|---|---|---|---|---|---|---|---|---|---|---|']
    for r in rows:
        rel, unc = r['relaxed'], r['uncertainty']
        hw = lambda k: fmt((unc.get(k) or {}).get('halfWidth'))
        sg = r['relaxation']
        sg_text = f"{sg['spaceGroupBefore']}" + ('' if sg['spaceGroupBefore'] == sg['spaceGroupAfter'] else f"→{sg['spaceGroupAfter']}")
        lines.append(f"| {r['rank']} | {r['formula']} | {sg_text} | {r['reward']:.0f} | {fmt(sg['eHull'], 3)}{'' if sg['status'] == 'converged' else ' (' + str(sg['status']) + ')'}{' (hull incomplete)' if r['hullIncomplete'] else ''} | "
                     f"{fmt(rel['band_gap'])} ± {hw('band_gap')} | {fmt(rel['band_gap_megnet'])} ± {hw('band_gap_megnet')} | "
                     f"{'–' if r['gapModelsAgree'] is None else 'yes' if r['gapModelsAgree'] else 'no'} | {fmt(rel['dielectric_total'], 0)} | "
                     f"{'yes' if r['chargeBalancedCommon'] else 'no'} | {'**yes**' if r['survives'] else 'no'} |")
    summary = (f"{len(survivors)} of {len(rows)} survive (E_hull ≤ {MAX_E_HULL} eV/atom after relaxation with the space group kept, "
               f"both PBE gap models agree within their ± bands, charge-balanced with common oxidation states); "
               f"E_hull in [{MIN_TRUSTED_E_HULL}, {MAX_E_HULL}] after a converged relaxation: {sum(r['eHullOk'] for r in rows)} "
               f"(hull incomplete: {sum(r['hullIncomplete'] for r in rows)}), gaps agree: {sum(bool(r['gapModelsAgree']) for r in rows)}, "
               f"balanced: {sum(r['chargeBalancedCommon'] for r in rows)}.")
    table = '\n'.join(lines)
    print(table)
    print(summary)
    if args.md:
        with open(args.md, 'w') as f:
            f.write(table + '\n\n' + summary + '\n')


if __name__ == '__main__':
    main()
