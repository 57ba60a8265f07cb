"""Reference for tests/evaluate/pymatgen-rms.test.ts and bench/csp.ts: pymatgen's StructureMatcher(stol=0.5, angle_tol=10, ltol=0.3)
.get_rms_dist (the CDVAE/DiffCSP CSP settings) on pairs of structures given as JSON [{"a": S, "b": S}, ...] with
S = {"lattice": 3x3 rows, "species": [...], "frac": [[x, y, z], ...]}. Prints a JSON list of [rms, max] or null."""
import json
import sys

from pymatgen.analysis.structure_matcher import StructureMatcher
from pymatgen.core import Lattice, Structure


def structure(s):
    return Structure(Lattice(s["lattice"]), s["species"], s["frac"])


def main(path):
    with open(path) as handle:
        pairs = json.load(handle)
    matcher = StructureMatcher(stol=0.5, angle_tol=10, ltol=0.3)
    out = []
    for p in pairs:
        rms = matcher.get_rms_dist(structure(p["a"]), structure(p["b"]))
        out.append(None if rms is None else [float(rms[0]), float(rms[1])])
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
