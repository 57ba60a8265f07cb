"""Markdown table of bench/csp.ts results: match rate and RMSE at k = 1 and 20 for each ranking, over the formulas
that every ranking reached (so that a partly finished relaxed run compares its rankings on the same formulas).
Usage: /usr/bin/python3 scripts/csp_summary.py bench/results/csp-mp20-val-relax.json"""
import json
import sys


def main(path):
    with open(path) as handle:
        run = json.load(handle)
    rankings = [row["ranking"] for row in run["summary"]["table"]]
    formulas = [f for f in run["formulas"] if f.get("error") or all(r in f["rankings"] for r in rankings)]
    print(f"{len(formulas)} formulas with every ranking ({', '.join(rankings)}); {sum(1 for f in formulas if f.get('error'))} errors")
    print("| ranking | match k = 1 | RMSE k = 1 | match k = 20 | RMSE k = 20 |")
    print("|---|---|---|---|---|")
    for ranking in rankings:
        cells = []
        for k in (1, 20):
            rms = [f["rankings"][ranking]["atK"][f"k{k}"]["rms"] for f in formulas if not f.get("error")]
            matched = [r for r in rms if r is not None]
            rate = 100 * len(matched) / len(formulas)
            cells += [f"{rate:.1f} % ({len(matched)})", f"{sum(matched) / len(matched):.4f}" if matched else "-"]
        print(f"| {ranking} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
