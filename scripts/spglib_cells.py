"""Reference for tests/csp/known-crystals.test.ts: spglib's space group and the atom counts of the standardized
conventional cell and of the primitive cell of each CIF. Reads a JSON list of CIF texts from the file given; prints
a JSON list of {"spaceGroup", "conventionalAtoms", "primitiveAtoms"}. Symmetry at symprec 0.01 Å."""
import json
import sys
import warnings

import spglib
from pymatgen.core import Structure


def main(path):
    warnings.filterwarnings("ignore")
    with open(path) as handle:
        cifs = json.load(handle)
    out = []
    for cif in cifs:
        s = Structure.from_str(cif, fmt="cif")
        cell = (s.lattice.matrix, s.frac_coords, [site.specie.Z for site in s])
        dataset = spglib.get_symmetry_dataset(cell, symprec=0.01)
        number = dataset.number if hasattr(dataset, "number") else dataset["number"]
        std_types = dataset.std_types if hasattr(dataset, "std_types") else dataset["std_types"]
        primitive = spglib.find_primitive(cell, symprec=0.01)
        out.append({"spaceGroup": int(number), "conventionalAtoms": len(std_types), "primitiveAtoms": len(primitive[2])})
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
