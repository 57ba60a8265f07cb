#!/usr/bin/env python3
"""Plot a training run's metrics.jsonl (train loss and validation NLL per crystal) to a PNG.

Usage: /usr/bin/python3 scripts/plot_training.py RUN_DIR OUT.png   (needs Debian's python3-matplotlib)
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

run_dir, out = sys.argv[1], sys.argv[2]
train, val = [], []
with open(f"{run_dir}/metrics.jsonl") as f:
    for line in f:
        if not line.strip():
            continue
        m = json.loads(line)
        (train if m["kind"] == "train" else val).append(m)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
ax1.plot([m["step"] for m in train], [m["loss"] for m in train], lw=0.8, color="#999", label="train (mean of 50 steps)")
ax1.plot([m["step"] for m in val], [m["nll"]["total"] for m in val], "o-", color="#c22", label="validation")
ax1.set_xlabel("update")
ax1.set_ylabel("NLL per crystal (nats)")
ax1.set_title("CrystalFormer Studio — MP-20 pretraining")
ax1.legend()
for key, color in [("wyckoff", "#1b7"), ("atoms", "#37c"), ("coords", "#c80"), ("lattice", "#a3a")]:
    ax2.plot([m["step"] for m in val], [m["nll"][key] for m in val], "o-", color=color, label=key)
ax2.set_xlabel("update")
ax2.set_ylabel("validation NLL per crystal (nats)")
ax2.set_title("per token type")
ax2.legend()
fig.tight_layout()
fig.savefig(out, dpi=110)
print(f"wrote {out}: {len(train)} train and {len(val)} validation points")
