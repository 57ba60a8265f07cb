"""Which tabulated radii give every MP-20 training crystal a shortest contact >= 0.5 (r_i + r_j)?

Usage: /usr/bin/python3 scripts/plausibility_radii.py ../shared/data/structures/mp_20_train.csv.gz [OUT.json]
Prints, per radii table, the share of crystals whose every contact (different atoms and an atom's own images)
is >= 0.5 (r_i + r_j), and the smallest ratio d / (r_i + r_j) seen. Used to choose the table behind the
physical-plausibility share of `cfstudio evaluate` (electron/evaluate/plausibility.ts).
"""
import csv, gzip, json, sys, warnings
import numpy as np
from pymatgen.core import Structure, Element
from ase.data import covalent_radii

warnings.filterwarnings("ignore")
csv.field_size_limit(10**9)
path = sys.argv[1]
tables = {
    "pymatgen atomic_radius (Slater 1964)": lambda el: Element(el).atomic_radius,
    "pymatgen atomic_radius_calculated (Clementi 1967)": lambda el: Element(el).atomic_radius_calculated,
    "covalent (Cordero 2008, ASE)": lambda el: covalent_radii[Element(el).Z],
}
cache = {}
def radius(table, el):
    key = (table, el)
    if key not in cache:
        r = tables[table](el)
        cache[key] = None if r is None else float(r)
    return cache[key]

counts = {t: 0 for t in tables}
missing = {t: 0 for t in tables}
worst = {t: (np.inf, None) for t in tables}
n = 0
opener = gzip.open if path.endswith(".gz") else open
with opener(path, "rt") as f:
    for row in csv.DictReader(f):
        s = Structure.from_str(row["cif"], fmt="cif")
        n += 1
        centers, neighbors, _, distances = s.get_neighbor_list(4.0)
        symbols = [site.specie.symbol for site in s]
        for t in tables:
            r = np.array([radius(t, el) if radius(t, el) is not None else np.nan for el in symbols])
            if np.isnan(r).any():
                missing[t] += 1
                continue
            ratio = distances / (r[centers] + r[neighbors])
            m = float(ratio.min()) if len(ratio) else np.inf
            if m >= 0.5:
                counts[t] += 1
            if m < worst[t][0]:
                worst[t] = (m, row.get("material_id"))
        if n % 5000 == 0:
            print(n, file=sys.stderr, flush=True)
result = {t: {"crystals": n, "plausible": counts[t], "share": counts[t] / n, "missingRadius": missing[t], "minRatio": worst[t][0], "minRatioId": worst[t][1]} for t in tables}
print(json.dumps(result, indent=1))
if len(sys.argv) > 2:
    json.dump(result, open(sys.argv[2], "w"), indent=1)
