#!/usr/bin/env python3
"""Stability tables of generated crystals per model, and the before/after table and plot of an RL-toward-stability run
(README "RL toward stability").

Usage: /usr/bin/python3 scripts/rl_stability_report.py EVAL_DIR RUN_DIR OUT_PREFIX [--before L] [--after L] [--extra L …]
       [--snapshots DIR] [--compare-run RUN_DIR2]
(needs python3-matplotlib). Labels default to before / after; --extra adds columns (e.g. models/default's samples, an
earlier policy), each relaxed over its own first chunks (at most as many as before/after share; the header says how
many). --snapshots DIR: single points of saved policies (below) for the plot's right panel; --compare-run: an earlier
run whose reward curve the plot draws beside RUN_DIR's.

EVAL_DIR holds, for each LABEL (see the README for the commands that make them):
  LABEL-gen/                      `cfstudio generate -n 1000 --seed 31` (samples.jsonl names every sample drawn)
  LABEL-gen.log                   its output (the generation time is read from it)
  LABEL-energy.json               `cfstudio energy LABEL-gen --json` (single points: unrelaxed E_hull)
  LABEL-relax/chunk-NN/           `cfstudio relax` of CIFs NN*100+1 … NN*100+100 (space group kept); a chunk counts
                                  only when it has a `done` file ("SECONDS s, load …", written when relax ended)
  LABEL-evaluation.json           `cfstudio evaluate LABEL-gen` (validity, uniqueness, novelty per sample)
and optionally (--snapshots DIR) DIR/step-NNN-energy.json with DIR/step-NNN-gen/: single points of samples of the
policy saved at step NNN. Writes OUT_PREFIX.md (the tables), OUT_PREFIX.json (the numbers) and OUT_PREFIX.png (reward per PPO
step; share with single-point E_hull <= 0.1 per snapshot).

Shares are over every sample drawn: a sample without a structure, structurally invalid (atoms closer than 0.5 A),
without an energy, or whose relaxation exploded or failed counts as not stable. The relaxed before/after columns are over
the first N samples of both, N = the fewer relaxed of the two (whole chunks of 100): samples are independent draws, so
these are random subsamples of equal size. S.U.N. = E_hull <= 0.1 and unique and novel vs MP-20 train, uniqueness and
novelty by the structure matcher on the generated crystals (`cfstudio evaluate`).
"""
import argparse
import json
import math
import os
import re
import statistics

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

THRESHOLDS = (0.0, 0.08, 0.1)
STABLE = 0.1

parser = argparse.ArgumentParser()
parser.add_argument("eval_dir")
parser.add_argument("run_dir")
parser.add_argument("out_prefix")
parser.add_argument("--before", default="before")
parser.add_argument("--after", default="after")
parser.add_argument("--extra", action="append", default=[])
parser.add_argument("--snapshots", default=None)
parser.add_argument("--compare-run", default=None)
args = parser.parse_args()
eval_dir = args.eval_dir


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def drawn(label):
    """Number of samples drawn (built or not), from samples.jsonl."""
    return len(read_jsonl(os.path.join(eval_dir, f"{label}-gen", "samples.jsonl")))


def relaxed_chunks(label):
    """Relaxation records of the finished chunks 00, 01, … up to the first unfinished one (so the records are always
    the first N samples), and those chunks' wall seconds and load notes."""
    records, seconds, loads = [], 0.0, []
    for k in range(1000):
        chunk = os.path.join(eval_dir, f"{label}-relax", f"chunk-{k:02d}")
        done = os.path.join(chunk, "done")
        if not os.path.exists(done):
            break
        note = open(done).read().strip()
        seconds += float(note.split()[0])
        loads.append(note.split("load", 1)[1].strip())
        records.append(read_jsonl(os.path.join(chunk, "relaxed.jsonl")))
    return records, seconds, loads


# The rule of electron/engine/sample/conditions.ts `isRadioactive`: Tc, Pm and Z >= 84.
RADIOACTIVE = {"Tc", "Pm"} | set(
    "Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf Es Fm Md No Lr Rf Db Sg Bh Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og".split()
)


def radioactive(formula):
    return any(symbol in RADIOACTIVE for symbol in re.findall(r"[A-Z][a-z]?", formula))


def generation_seconds(label):
    text = open(os.path.join(eval_dir, f"{label}-gen.log")).read()
    m = re.findall(r"elapsed (\d+):(\d+)(?::(\d+))?", text)
    if not m:
        return float("nan")
    h_or_m, m_or_s, s = m[-1]
    return int(h_or_m) * 3600 + int(m_or_s) * 60 + int(s) if s else int(h_or_m) * 60 + int(m_or_s)


labels = [args.before, args.after] + args.extra
chunks = {label: relaxed_chunks(label) for label in labels}
n_chunks = min(len(chunks[label][0]) for label in (args.before, args.after))
chunks_of = {label: min(n_chunks, len(chunks[label][0])) for label in labels}


def summarize(label):
    n_chunks = chunks_of[label]
    evaluation = json.load(open(os.path.join(eval_dir, f"{label}-evaluation.json")))
    samples = {s["name"]: s for s in evaluation["samples"]}
    total = drawn(label)
    single = {os.path.basename(r["file"]): r for r in json.load(open(os.path.join(eval_dir, f"{label}-energy.json")))["results"]}
    chunk_records, _, _ = chunks[label]
    relaxed_list = [r for chunk in chunk_records[:n_chunks] for r in chunk]
    relaxed = {os.path.basename(r["file"]): r for r in relaxed_list}
    # Relaxed over the first n_chunks * 100 samples drawn (CIF names follow the sample index; unbuilt ones have none).
    relaxed_drawn = min(total, n_chunks * 100)

    def usable(name):
        s = samples.get(name)
        return s is not None and s["structurallyValid"]

    def e_single(name):
        r = single.get(name)
        return r["eHull"] if usable(name) and r is not None and r.get("eHull") is not None else None

    def e_relaxed(name):
        r = relaxed.get(name)
        if not usable(name) or r is None or r.get("eHull") is None or r["status"] not in ("converged", "not-converged"):
            return None
        return r["eHull"]

    def sun(name, value):
        s = samples.get(name)
        return value is not None and value <= STABLE and s["duplicateOf"] is None and s["novel"]

    out = {"label": label, "drawn": total, "relaxedDrawn": relaxed_drawn, "relaxedRecords": len(relaxed)}
    sp = {n: e_single(n) for n in samples}
    rx = {n: e_relaxed(n) for n in relaxed}
    for t in THRESHOLDS:
        out[f"single<={t}"] = sum(1 for v in sp.values() if v is not None and v <= t) / total
        out[f"relaxed<={t}"] = sum(1 for v in rx.values() if v is not None and v <= t) / max(1, relaxed_drawn)
    out["stableRelaxedCount"] = sum(1 for v in rx.values() if v is not None and v <= STABLE)
    out["singleMedian"] = statistics.median([v for v in sp.values() if v is not None])
    rv = sorted(v for v in rx.values() if v is not None)
    out["relaxedMedian"] = statistics.median(rv) if rv else float("nan")
    out["singleBelowMinus0.5"] = sum(1 for v in sp.values() if v is not None and v < -0.5) / total
    out["relaxedQuartiles"] = [rv[len(rv) // 4], rv[(3 * len(rv)) // 4]] if rv else None
    out["relaxedBelowMinus0.5"] = sum(1 for v in rv if v < -0.5) / max(1, relaxed_drawn)
    # Stable without the potential's blind spots (far below the partial hull) and without radioactive elements
    # (Tc, Pm, Z >= 84: `generate --no-radioactive`), where a policy can find "stability" a scientist cannot use.
    out["relaxedBand"] = sum(1 for v in rv if -0.5 <= v <= STABLE) / max(1, relaxed_drawn)
    out["radioactive"] = sum(1 for n in samples if radioactive(samples[n].get("formula", ""))) / total
    out["relaxedBandNonRadioactive"] = sum(
        1 for n, v in rx.items() if v is not None and -0.5 <= v <= STABLE and not radioactive(samples[n].get("formula", ""))
    ) / max(1, relaxed_drawn)
    out["sunSingle"] = sum(1 for n, v in sp.items() if sun(n, v)) / total
    out["sunRelaxedCount"] = sum(1 for n, v in rx.items() if sun(n, v))
    out["sunRelaxed"] = out["sunRelaxedCount"] / max(1, relaxed_drawn)
    out["converged"] = sum(1 for r in relaxed.values() if r["status"] == "converged") / max(1, len(relaxed))
    v = evaluation["validity"]
    out["structural"] = v["structural"]["count"] / total
    out["plausible"] = v["physicallyPlausible"]["count"] / total
    out["valid"] = v["valid"]["count"] / total
    out["unique"] = evaluation["uniqueness"]["unique"]["rate"]
    out["novel"] = evaluation["novelty"]["novel"]["rate"]
    out["vun"] = evaluation["novelty"]["validUniqueNovel"]["count"] / total
    # S.U.N. per hour of wall time: generation (scaled to the samples relaxed) plus the relaxation chunks used.
    _, relax_seconds, loads = chunks[label]
    used = relax_seconds * n_chunks / max(1, len(chunks[label][0]))
    gen = generation_seconds(label) * relaxed_drawn / total
    out["relaxWallSeconds"] = used
    out["sunPerHour"] = out["sunRelaxedCount"] / ((used + gen) / 3600) if used + gen > 0 else float("nan")
    out["relaxLoads"] = loads[:n_chunks]
    return out


results = {label: summarize(label) for label in labels}
before, after = results[args.before], results[args.after]
steps = [m for m in read_jsonl(os.path.join(args.run_dir, "metrics.jsonl")) if m.get("kind") == "step"]
# KL to the pretrained model: the plain estimate mean(log π − log π_0) (metrics' klLogRatio; runs from before the k3
# estimate stored it as kl), averaged over the last 20 batches. The k3 estimate `kl` is dominated by single samples the
# prior finds far likelier than the policy (one batch of 100 reached 4e7 nats; even the median batch is in the
# thousands), so it is only stored in the JSON.
last = steps[-20:]
kl = statistics.mean(m.get("klLogRatio", m["kl"]) for m in last)
kl_k3_median = statistics.median(m["kl"] for m in last) if "klLogRatio" in last[-1] else float("nan")
run_json = json.load(open(os.path.join(args.run_dir, "run.json")))


def pct(x):
    return f"{100 * x:.1f} %"


def rel(a, b):
    return f"{100 * (b / a - 1):+.0f} %" if a > 0 else "—"


def z_two_proportions(p1, p2, n1, n2):
    p = (p1 * n1 + p2 * n2) / (n1 + n2)
    se = math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2)) if 0 < p < 1 else float("nan")
    return (p2 - p1) / se if se == se and se > 0 else float("nan")


n_relaxed = before["relaxedDrawn"]
rows = [
    (f"E_hull ≤ 0.1, relaxed (first {n_relaxed} samples)", "relaxed<=0.1", pct),
    ("E_hull ≤ 0.08, relaxed", "relaxed<=0.08", pct),
    ("E_hull ≤ 0.0, relaxed", "relaxed<=0.0", pct),
    ("E_hull < −0.5, relaxed (below any plausible hull error)", "relaxedBelowMinus0.5", pct),
    ("−0.5 ≤ E_hull ≤ 0.1, relaxed (stable, blind spots left out)", "relaxedBand", pct),
    ("the same without radioactive elements (Tc, Pm, Z ≥ 84)", "relaxedBandNonRadioactive", pct),
    ("median E_hull, relaxed (eV/atom)", "relaxedMedian", lambda x: f"{x:.3f}"),
    ("S.U.N. (relaxed ≤ 0.1)", "sunRelaxed", pct),
    ("relaxations converged (fmax 0.05 eV/Å, ≤ 500 steps)", "converged", pct),
    ("E_hull ≤ 0.1, single point (all 1,000)", "single<=0.1", pct),
    ("E_hull ≤ 0.08, single point", "single<=0.08", pct),
    ("E_hull ≤ 0.0, single point", "single<=0.0", pct),
    ("median E_hull, single point (eV/atom)", "singleMedian", lambda x: f"{x:.3f}"),
    ("E_hull < −0.5, single point (blind spots the lower clip stops rewarding)", "singleBelowMinus0.5", pct),
    ("S.U.N. (single point ≤ 0.1)", "sunSingle", pct),
    ("holding a radioactive element (Tc, Pm, Z ≥ 84)", "radioactive", pct),
    ("structurally valid (0.5 Å)", "structural", pct),
    ("physically plausible (contacts ≥ 0.5 (r_i + r_j))", "plausible", pct),
    ("valid (structural ∧ compositional)", "valid", pct),
    ("unique", "unique", pct),
    ("novel vs MP-20 train", "novel", pct),
    ("valid ∧ unique ∧ novel", "vun", pct),
    ("S.U.N. crystals per hour of wall time (generation + relaxation)", "sunPerHour", lambda x: f"{x:.0f}"),
]
head = f"| measure | {args.before} | {args.after} | change |" + "".join(f" {e} (relaxed: first {results[e]['relaxedDrawn']}) |" for e in args.extra)
lines = [head, "|---|---|---|---|" + "---|" * len(args.extra)]
relaxed_keys = {"relaxed<=0.1", "relaxed<=0.08", "relaxed<=0.0", "relaxedBelowMinus0.5", "relaxedBand", "relaxedBandNonRadioactive", "relaxedMedian", "sunRelaxed", "converged", "sunPerHour"}
for title, key, fmt in rows:
    if key in relaxed_keys and n_chunks == 0:
        continue  # nothing relaxed for every label yet
    if key in ("singleMedian", "relaxedMedian"):
        change = f"{after[key] - before[key]:+.3f}"
    elif key == "sunPerHour":
        change = "—"
    else:
        change = rel(before[key], after[key])
    lines.append(f"| {title} | {fmt(before[key])} | {fmt(after[key])} | {change} |" + "".join(f" {fmt(results[e][key])} |" for e in args.extra))
z = z_two_proportions(before["relaxed<=0.1"], after["relaxed<=0.1"], n_relaxed, after["relaxedDrawn"]) if n_chunks else float("nan")
z_single = z_two_proportions(before["single<=0.1"], after["single<=0.1"], before["drawn"], after["drawn"])
seconds = [m["seconds"]["total"] for m in steps]
reward_seconds = [m["seconds"]["reward"] for m in steps]
update_seconds = [m["seconds"]["update"] for m in steps]
config = run_json["config"]
lines.append("")
if n_chunks:
    lines.append(
        f"Relaxed E_hull ≤ 0.1: {pct(before['relaxed<=0.1'])} → {pct(after['relaxed<=0.1'])} on {n_relaxed} samples each "
        f"(two-proportion z = {z:.1f}; target +50 % relative = {pct(1.5 * before['relaxed<=0.1'])})."
    )
lines.append(f"Single-point E_hull ≤ 0.1: {pct(before['single<=0.1'])} → {pct(after['single<=0.1'])} on {before['drawn']} / {after['drawn']} samples (z = {z_single:.1f}).")
lines.append(
    f"Run: {len(steps)} PPO steps × {config['batchSize']} samples ({config['ppoEpochs']} PPO epochs, lr {config['learningRate']}, "
    f"β {config['beta']}, {config.get('advantage', 'baseline')} advantage), {steps[-1]['elapsedSeconds'] / 60:.1f} min wall; per step median {statistics.median(seconds):.1f} s "
    f"(reward = {config['batchSize']} potential single points + MP2020 + hull: median {statistics.median(reward_seconds):.2f} s; "
    f"PPO update median {statistics.median(update_seconds):.1f} s); KL to the pretrained model (mean log π − log π_0 over "
    f"the last {len(last)} batches) {kl:.2f} nats per crystal."
)
with open(args.out_prefix + ".md", "w") as f:
    f.write("\n".join(lines) + "\n")
with open(args.out_prefix + ".json", "w") as f:
    json.dump(
        {
            "models": results,
            "relaxedZ": z,
            "singleZ": z_single,
            "run": {
                "steps": len(steps),
                "config": config,
                "reward": run_json["reward"],
                "minutes": steps[-1]["elapsedSeconds"] / 60,
                "stepSecondsMedian": statistics.median(seconds),
                "rewardSecondsMedian": statistics.median(reward_seconds),
                "updateSecondsMedian": statistics.median(update_seconds),
                "klLast20": kl,
                "klK3MedianLast20": kl_k3_median,
            },
        },
        f,
        indent=1,
    )
print("\n".join(lines))

# Plot: reward per step (thin) with a running mean, and the single-point share per snapshot.
snap_dir = args.snapshots
snaps = []
if snap_dir and os.path.isdir(snap_dir):
    for name in sorted(os.listdir(snap_dir)):
        m = re.fullmatch(r"step-(\d+)-energy\.json", name)
        if not m:
            continue
        try:
            data = json.load(open(os.path.join(snap_dir, name)))
        except json.JSONDecodeError:
            continue  # still being written
        n_drawn = len(read_jsonl(os.path.join(snap_dir, f"step-{m.group(1)}-gen", "samples.jsonl")))
        stable = sum(1 for r in data["results"] if r.get("eHull") is not None and r["eHull"] <= STABLE)
        snaps.append((int(m.group(1)), stable / n_drawn, n_drawn))
fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4))
xs = [m["step"] for m in steps]
rw = [m["reward"]["mean"] for m in steps]
a1.plot(xs, rw, lw=0.8, alpha=0.5, label="batch mean reward")
window = 10
sm = [sum(rw[max(0, i - window + 1) : i + 1]) / len(rw[max(0, i - window + 1) : i + 1]) for i in range(len(rw))]
reward_name = run_json["reward"].get("name", "reward")
a1.plot(xs, sm, lw=2, label=f"running mean ({window} steps): {reward_name[:60]}")
if args.compare_run:
    old = [m for m in read_jsonl(os.path.join(args.compare_run, "metrics.jsonl")) if m.get("kind") == "step"]
    old_rw = [m["reward"]["mean"] for m in old]
    old_sm = [sum(old_rw[max(0, i - window + 1) : i + 1]) / len(old_rw[max(0, i - window + 1) : i + 1]) for i in range(len(old_rw))]
    old_run = json.load(open(os.path.join(args.compare_run, "run.json")))
    old_lr = old_run["config"]["learningRate"]
    old_name = old_run["reward"].get("name", "reward")[:60]
    a1.plot([m["step"] for m in old], old_sm, lw=1.5, color="grey", label=f"{os.path.basename(os.path.normpath(args.compare_run))} (lr {old_lr:g}): {old_name}")
a1.set_xlabel("PPO step")
# Each run's own reward spec: two runs with different specs share the axis, not the scale.
a1.set_ylabel("batch mean reward (each run's own spec)")
a1.legend(fontsize=7)
a1.set_title("reward")
if snaps:
    a2.plot([s[0] for s in snaps], [100 * s[1] for s in snaps], "o-")
    a2.set_xlabel("PPO step (saved policy)")
    a2.set_ylabel(f"share E_hull ≤ {STABLE} eV/atom, single point (%)")
    a2.set_title(f"stable share ({snaps[0][2]} samples per point)")
else:
    # Without snapshots: the KL to the pretrained model per step (plain estimate, running mean), beside the earlier run's.
    def kl_curve(run_steps):
        k = [m.get("klLogRatio", m["kl"]) for m in run_steps]
        return [sum(k[max(0, i - window + 1) : i + 1]) / len(k[max(0, i - window + 1) : i + 1]) for i in range(len(k))]

    a2.plot(xs, kl_curve(steps), lw=2, color="C1", label=f"lr {config['learningRate']:g}")
    if args.compare_run:
        a2.plot([m["step"] for m in old], kl_curve(old), lw=1.5, color="grey", label=f"lr {old_lr:g}")
    a2.set_xlabel("PPO step")
    a2.set_ylabel("KL to the pretrained model (nats per crystal)")
    a2.set_title(f"mean log π − log π_0 per batch, running mean ({window} steps)")
    a2.legend()
fig.tight_layout()
fig.savefig(args.out_prefix + ".png", dpi=110)
