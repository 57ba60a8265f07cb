"""Where do known crystals sit on the shortest-contact ratio d / (r_i + r_j) (Slater radii, pymatgen)?

Usage: /usr/bin/python3 scripts/contact_ratio_percentiles.py ../shared/data/structures/mp_20_val.csv.gz [N]
Prints percentiles of each crystal's smallest ratio over its first N rows (default 2000): the bands of the
contacts badge on result cards and library rows (renderer/src/views/plausibility.ts) are chosen from them.
"""
import csv, gzip, json, sys, warnings
import numpy as np
from pymatgen.core import Structure, Element

warnings.filterwarnings("ignore")
csv.field_size_limit(10**9)
path, limit = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 2000
radius = {}
ratios = []
with gzip.open(path, "rt") as f:
    for k, row in enumerate(csv.DictReader(f)):
        if k >= limit:
            break
        s = Structure.from_str(row["cif"], fmt="cif")
        centers, neighbors, _, distances = s.get_neighbor_list(5.0)
        symbols = [site.specie.symbol for site in s]
        for el in set(symbols):
            if el not in radius:
                r = Element(el).atomic_radius
                radius[el] = float(r) if r is not None else None
        best = np.inf
        for i, j, d in zip(centers, neighbors, distances):
            ri, rj = radius[symbols[i]], radius[symbols[j]]
            if ri is None or rj is None or d < 1e-8:
                continue
            best = min(best, d / (ri + rj))
        if np.isfinite(best):
            ratios.append(best)
ratios = np.array(ratios)
print(json.dumps({"crystals": len(ratios), "min": float(ratios.min()),
                  **{f"p{p}": float(np.percentile(ratios, p)) for p in (0.1, 1, 5, 10, 50)}}, indent=1))
