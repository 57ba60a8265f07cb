#!/usr/bin/env python3
"""Before/after table and plot of an RL-toward-stability run (README "RL toward stability").

Usage: /usr/bin/python3 scripts/rl_stability_report.py EVAL_DIR RUN_DIR OUT_PREFIX   (needs python3-matplotlib)

EVAL_DIR holds, for LABEL in before and after (see the README for the commands that make them):
  LABEL-gen/                 `cfstudio generate -n 1000 --seed 31` (samples.jsonl names every sample drawn)
  LABEL-energy.json          `cfstudio energy LABEL-gen/*.cif --json` (single points: unrelaxed E_hull)
  LABEL-relax/relaxed.jsonl  `cfstudio relax` of the first N CIFs (space group kept): relaxed E_hull
  LABEL-evaluation.json      `cfstudio evaluate LABEL-gen` (validity, uniqueness, novelty per sample)
and optionally snapshots/step-NNN-energy.json: single points of samples of the policy saved at step NNN.
Writes OUT_PREFIX.md (the table) and OUT_PREFIX.png (reward per PPO step, share with E_hull <= 0.1 per snapshot).

Shares are over every sample drawn: a sample without a structure, structurally invalid (atoms closer than 0.5 A),
without an energy or whose relaxation exploded/failed counts as not stable. The relaxed columns are over the first
N samples only (the ones relaxed); samples are independent draws, so these are a random subsample.
"""
import json
import os
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

THRESHOLDS = (0.0, 0.08, 0.1)
STABLE = 0.1

eval_dir, run_dir, out_prefix = sys.argv[1:4]


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def drawn(label):
    """Names of every sample drawn (built or not), from samples.jsonl; falls back to the CIFs present."""
    path = os.path.join(eval_dir, f"{label}-gen", "samples.jsonl")
    if os.path.exists(path):
        return len(read_jsonl(path))
    return len([f for f in os.listdir(os.path.join(eval_dir, f"{label}-gen")) if f.endswith(".cif")])


def by_name(records, key="file"):
    return {os.path.basename(r[key]): r for r in records}


def summarize(label):
    evaluation = json.load(open(os.path.join(eval_dir, f"{label}-evaluation.json")))
    samples = {s["name"]: s for s in evaluation["samples"]}
    total = drawn(label)
    single = by_name(json.load(open(os.path.join(eval_dir, f"{label}-energy.json")))["results"])
    relaxed = by_name(read_jsonl(os.path.join(eval_dir, f"{label}-relax", "relaxed.jsonl")))

    def e_hull_single(name):
        s, r = samples.get(name), single.get(name)
        if s is None or r is None or not s["structurallyValid"] or r.get("eHull") is None:
            return None
        return r["eHull"]

    def e_hull_relaxed(name):
        s, r = samples.get(name), relaxed.get(name)
        if s is None or r is None or not s["structurallyValid"] or r.get("eHull") is None:
            return None
        if r["status"] not in ("converged", "not-converged"):
            return None
        return r["eHull"]

    def sun(name, value):
        s = samples.get(name)
        return value is not None and value <= STABLE and s["duplicateOf"] is None and s["novel"]

    out = {"label": label, "drawn": total, "relaxedDrawn": len(relaxed)}
    names = sorted(samples)
    sp = {n: e_hull_single(n) for n in names}
    rx = {n: e_hull_relaxed(n) for n in relaxed}
    for t in THRESHOLDS:
        out[f"single<={t}"] = sum(1 for v in sp.values() if v is not None and v <= t) / total
        out[f"relaxed<={t}"] = sum(1 for v in rx.values() if v is not None and v <= t) / max(1, len(relaxed))
    out["singleMedian"] = statistics.median([v for v in sp.values() if v is not None])
    out["relaxedMedian"] = statistics.median([v for v in rx.values() if v is not None])
    out["sunSingle"] = sum(1 for n, v in sp.items() if sun(n, v)) / total
    out["sunRelaxed"] = sum(1 for n, v in rx.items() if sun(n, v)) / max(1, len(relaxed))
    out["converged"] = sum(1 for r in relaxed.values() if r["status"] == "converged") / max(1, len(relaxed))
    v = evaluation["validity"]
    out["structural"] = v["structural"]["count"] / total
    out["valid"] = v["valid"]["count"] / total
    out["unique"] = evaluation["uniqueness"]["unique"]["rate"]
    out["novel"] = evaluation["novelty"]["novel"]["rate"]
    out["vun"] = evaluation["novelty"]["validUniqueNovel"]["count"] / total
    return out


steps = [m for m in read_jsonl(os.path.join(run_dir, "metrics.jsonl")) if m.get("kind") == "step"]
before, after = summarize("before"), summarize("after")
last = steps[-5:]
kl = sum(m["kl"] for m in last) / len(last)


def pct(x):
    return f"{100 * x:.1f} %"


def rel(a, b):
    return f"{100 * (b / a - 1):+.0f} %" if a > 0 else "—"


rows = [
    ("E_hull ≤ 0.1, single point (all samples)", "single<=0.1", pct),
    ("E_hull ≤ 0.08, single point", "single<=0.08", pct),
    ("E_hull ≤ 0.0, single point", "single<=0.0", pct),
    ("median E_hull, single point (eV/atom)", "singleMedian", lambda x: f"{x:.3f}"),
    ("S.U.N. (single point ≤ 0.1)", "sunSingle", pct),
    (f"E_hull ≤ 0.1, relaxed (first {before['relaxedDrawn']} samples)", "relaxed<=0.1", pct),
    ("E_hull ≤ 0.08, relaxed", "relaxed<=0.08", pct),
    ("E_hull ≤ 0.0, relaxed", "relaxed<=0.0", pct),
    ("median E_hull, relaxed (eV/atom)", "relaxedMedian", lambda x: f"{x:.3f}"),
    ("S.U.N. (relaxed ≤ 0.1)", "sunRelaxed", pct),
    ("relaxations converged", "converged", pct),
    ("structurally valid", "structural", pct),
    ("valid (structural ∧ compositional)", "valid", pct),
    ("unique", "unique", pct),
    ("novel vs MP-20 train", "novel", pct),
    ("valid ∧ unique ∧ novel", "vun", pct),
]
lines = ["| measure | pretrained | after RL | change |", "|---|---|---|---|"]
for title, key, fmt in rows:
    change = rel(before[key], after[key]) if key not in ("singleMedian", "relaxedMedian") else f"{after[key] - before[key]:+.3f}"
    lines.append(f"| {title} | {fmt(before[key])} | {fmt(after[key])} | {change} |")
seconds = [m["seconds"]["total"] for m in steps]
reward_seconds = [m["seconds"]["reward"] for m in steps]
lines.append("")
lines.append(
    f"Run: {len(steps)} PPO steps × {steps[0].get('batchSize', 100) if isinstance(steps[0].get('batchSize'), int) else 100} samples, "
    f"{steps[-1]['elapsedSeconds'] / 60:.1f} min wall; per step median {statistics.median(seconds):.1f} s "
    f"(reward = potential single points + hull: median {statistics.median(reward_seconds):.1f} s); "
    f"KL to the pretrained model (mean of the last {len(last)} steps' batches) {kl:.3f} nats per crystal."
)
with open(out_prefix + ".md", "w") as f:
    f.write("\n".join(lines) + "\n")
print("\n".join(lines))

# Plot: reward per step (thin) with a running mean, and the single-point share per snapshot.
snap_dir = os.path.join(eval_dir, "snapshots")
snaps = []
if os.path.isdir(snap_dir):
    for name in sorted(os.listdir(snap_dir)):
        if name.startswith("step-") and name.endswith("-energy.json"):
            step = int(name[5:8])
            data = json.load(open(os.path.join(snap_dir, name)))
            n_drawn = data.get("drawn", len(data["results"]) + len(data["failed"]))
            stable = sum(1 for r in data["results"] if r.get("eHull") is not None and r["eHull"] <= STABLE and r.get("structurallyValid", True))
            snaps.append((step, stable / n_drawn, n_drawn))
fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4))
xs = [m["step"] for m in steps]
rw = [m["reward"]["mean"] for m in steps]
a1.plot(xs, rw, lw=0.8, alpha=0.5, label="batch mean reward")
window = 10
sm = [sum(rw[max(0, i - window + 1) : i + 1]) / len(rw[max(0, i - window + 1) : i + 1]) for i in range(len(rw))]
a1.plot(xs, sm, lw=2, label=f"running mean ({window} steps)")
a1.set_xlabel("PPO step")
a1.set_ylabel("reward = −clip(E_hull single point)")
a1.legend()
a1.set_title("reward")
if snaps:
    a2.plot([s[0] for s in snaps], [100 * s[1] for s in snaps], "o-")
    a2.set_xlabel("PPO step (saved policy)")
    a2.set_ylabel(f"share E_hull ≤ {STABLE} eV/atom, single point (%)")
    a2.set_title(f"stable share ({snaps[0][2]} samples per point)")
else:
    a2.text(0.5, 0.5, "no snapshots", ha="center")
fig.tight_layout()
fig.savefig(out_prefix + ".png", dpi=110)
