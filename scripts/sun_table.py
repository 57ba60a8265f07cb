"""Markdown rows and a compact results JSON from `cfstudio evaluate --stability` reports.

Usage: python3 scripts/sun_table.py LABEL=DIR/evaluation.json [...] [--json OUT.json]
Prints one table row per report (the numbers of the README's S.U.N. table); with --json writes the reports without
the per-sample arrays of the base evaluation (the stability part keeps every crystal).
"""
import json, sys

def pct(rate):
    return "n/a" if rate["rate"] is None else f"{100 * rate['rate']:.1f} % ({rate['count']}/{rate['total']})"

rows, out = [], {}
args = sys.argv[1:]
json_path = None
if "--json" in args:
    i = args.index("--json")
    json_path = args[i + 1]
    args = args[:i] + args[i + 2:]
for arg in args:
    label, path = arg.split("=", 1)
    r = json.load(open(path))
    s = r["stability"]
    by = {t["threshold"]: t for t in s["sun"]["byThreshold"]}
    shares = {x["threshold"]: x["overDrawn"] for x in s["eHull"]["shares"]}
    samples = s["samples"]
    done = [x for x in samples if x["status"] in ("converged", "not-converged") and x["spaceGroupBefore"] and x["spaceGroupAfter"]]
    kept = sum(1 for x in done if x["spaceGroupBefore"] == x["spaceGroupAfter"])
    valid_all = r.get("input", {}).get("validOverAllSamples")
    rows.append("| " + " | ".join([
        label,
        str(s["samplesDrawn"]),
        pct(r["validity"]["structural"]),
        pct(r["validity"]["physicallyPlausible"]),
        f"{s['eHull']['median']:.3f} ({s['eHull']['q1']:.3f}–{s['eHull']['q3']:.3f})",
        pct(shares[0]), pct(shares[0.08]), pct(shares[0.1]),
        pct(by[0.08]["sunRate"]), pct(by[0.1]["sunRate"]), pct(by[0.1]["symmetricSunRate"]),
        f"{s['relaxation']['rmsd']['median']:.2f} Å / {100 * s['relaxation']['volumeChange']['median']:+.1f} %",
        f"{kept}/{len(done)}",
        str(s["relaxation"]["notConverged"]),
        f"{s['throughput']['sunPerHour']:.0f} ({s['throughput']['wallSeconds']:.0f} s, load {s['throughput']['loadAverage'][2]:.0f})",
    ]) + " |")
    compact = {k: v for k, v in r.items() if k not in ("samples",)}
    compact["distributions"] = {k: v for k, v in r["distributions"].items() if k != "reference"}
    out[label] = compact
print("\n".join(rows))
if json_path:
    json.dump(out, open(json_path, "w"), indent=1)
