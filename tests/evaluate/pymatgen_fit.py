"""Reference for tests/evaluate/pymatgen-match.test.ts: pymatgen's StructureMatcher().fit (default tolerances)
on pairs of structures given as JSON [{"a": S, "b": S}, ...] with S = {"lattice": 3x3 rows, "species": [...],
"frac": [[x, y, z], ...]}. Prints a JSON list of booleans."""
import json
import sys

from pymatgen.analysis.structure_matcher import StructureMatcher
from pymatgen.core import Lattice, Structure


def structure(s):
    return Structure(Lattice(s["lattice"]), s["species"], s["frac"])


def main(path):
    with open(path) as handle:
        pairs = json.load(handle)
    matcher = StructureMatcher()
    print(json.dumps([bool(matcher.fit(structure(p["a"]), structure(p["b"]))) for p in pairs]))


if __name__ == "__main__":
    main(sys.argv[1])
