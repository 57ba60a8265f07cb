#!/usr/bin/env python3
"""Plot a fine-tuning run's metrics.jsonl (cfstudio finetune) to a PNG: rewards, KL to the prior, validity.

Usage: /usr/bin/python3 scripts/plot_finetune.py RUN_DIR OUT.png [--window N]   (needs Debian's python3-matplotlib)
The thin lines are per step; the thick ones a running mean over N steps (default 10) to show the trend.
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

args = [a for a in sys.argv[1:] if not a.startswith("--")]
window = int(sys.argv[sys.argv.index("--window") + 1]) if "--window" in sys.argv else 10
if "--window" in sys.argv:
    args = [a for a in args if a != str(window)]
run_dir, out = args[0], args[1]
steps = []
with open(f"{run_dir}/metrics.jsonl") as f:
    for line in f:
        if line.strip():
            m = json.loads(line)
            if m.get("kind") == "step":
                steps.append(m)


def series(get):
    return [get(m) if get(m) is not None else float("nan") for m in steps]


def smooth(values):
    out = []
    for i in range(len(values)):
        chunk = [v for v in values[max(0, i - window + 1) : i + 1] if v == v]
        out.append(sum(chunk) / len(chunk) if chunk else float("nan"))
    return out


x = [m["step"] for m in steps]
with open(f"{run_dir}/run.json") as f:
    run = json.load(f)
title = run["reward"].get("name", "reward")
fig, axes = plt.subplots(1, 3, figsize=(15, 4))
ax = axes[0]
for key, color, label in [("meanValid", "#c22", "mean reward of valid samples"), ("mean", "#37c", "mean reward (all samples)")]:
    ys = series(lambda m, k=key: m["reward"][k])
    ax.plot(x, ys, lw=0.6, color=color, alpha=0.35)
    ax.plot(x, smooth(ys), lw=2, color=color, label=label)
ax.set_xlabel("PPO step")
ax.set_ylabel("reward")
ax.set_title(f"CrystalFormer-RL — {title}")
ax.legend()
ax = axes[1]
ys = series(lambda m: m["kl"])
ax.plot(x, ys, lw=0.6, color="#a3a", alpha=0.35)
ax.plot(x, smooth(ys), lw=2, color="#a3a", label="KL(π ‖ π₀) per crystal (nats)")
ax.set_xlabel("PPO step")
ax.set_ylabel("nats")
ax.legend()
ax = axes[2]
for key, color, label in [("valid", "#1b7", "valid (structural and compositional)"), ("structural", "#c80", "structurally valid")]:
    ys = series(lambda m, k=key: m["validity"][k])
    ax.plot(x, ys, lw=0.6, color=color, alpha=0.35)
    ax.plot(x, smooth(ys), lw=2, color=color, label=label)
ax.set_ylim(0, 1.02)
ax.set_xlabel("PPO step")
ax.set_ylabel("fraction of the batch")
ax.legend(loc="lower left")
fig.tight_layout()
fig.savefig(out, dpi=110)
print(f"wrote {out} ({len(steps)} steps)")
