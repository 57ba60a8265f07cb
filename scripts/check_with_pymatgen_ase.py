#!/usr/bin/env python3
"""Cross-check CrystalFormer Studio's structure files with pymatgen and ASE.

Usage: check_with_pymatgen_ase.py MANIFEST.json

The manifest (written by tests/io/pymatgen-ase.test.ts) lists files and the structure each should contain:
    {"cases": [{"file": "...", "format": "cif" | "poscar" | "xyz", "spaceGroup": 225,
                "reference": {"lattice": [[...], [...], [...]], "species": [...], "frac": [[...], ...]}}]}
For every file this reads it with pymatgen (CifParser / Poscar) and with ASE (ase.io.read), checks that the
structure matches the reference (pymatgen StructureMatcher, default tolerances) and that the space group found
by pymatgen's SpacegroupAnalyzer (symprec 0.01) and by spglib on ASE's atoms equals the expected number.
Prints one JSON object per line (one per case) and exits 0 when all cases pass, 1 otherwise.
"""
import json
import sys
import warnings


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    warnings.filterwarnings("ignore")
    import ase.io
    import spglib
    from pymatgen.analysis.structure_matcher import StructureMatcher
    from pymatgen.core import Lattice, Structure
    from pymatgen.io.ase import AseAtomsAdaptor
    from pymatgen.io.cif import CifParser
    from pymatgen.io.vasp import Poscar
    from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

    with open(argv[1]) as handle:
        manifest = json.load(handle)
    matcher = StructureMatcher()
    all_ok = True
    for case in manifest["cases"]:
        ref = case["reference"]
        reference = Structure(Lattice(ref["lattice"]), ref["species"], ref["frac"])
        result = {"file": case["file"], "format": case["format"], "expected": case["spaceGroup"]}
        problems = []
        # pymatgen
        try:
            if case["format"] == "cif":
                structures = CifParser(case["file"]).get_structures(primitive=False)
                read = structures[0]
            elif case["format"] == "poscar":
                read = Poscar.from_file(case["file"], check_for_POTCAR=False).structure
            else:
                read = AseAtomsAdaptor.get_structure(ase.io.read(case["file"], format="extxyz"))
            result["pymatgen"] = {
                "numSites": len(read),
                "formula": read.composition.reduced_formula,
                "spaceGroup": SpacegroupAnalyzer(read, symprec=0.01).get_space_group_number(),
                "matches": bool(matcher.fit(reference, read)),
                "sameSiteCount": len(read) == len(reference),
            }
            if not result["pymatgen"]["matches"] or not result["pymatgen"]["sameSiteCount"]:
                problems.append("pymatgen structure differs from the reference")
            if result["pymatgen"]["spaceGroup"] != case["spaceGroup"]:
                problems.append("pymatgen space group differs")
        except Exception as error:  # report, do not crash: the test prints the message
            problems.append(f"pymatgen failed: {type(error).__name__}: {error}")
        # ASE
        try:
            ase_format = {"cif": "cif", "poscar": "vasp", "xyz": "extxyz"}[case["format"]]
            atoms = ase.io.read(case["file"], format=ase_format)
            cell = (atoms.cell[:], atoms.get_scaled_positions(), atoms.numbers)
            dataset = spglib.get_symmetry_dataset(cell, symprec=0.01)
            as_structure = AseAtomsAdaptor.get_structure(atoms)
            result["ase"] = {
                "numSites": len(atoms),
                "formula": as_structure.composition.reduced_formula,
                "spaceGroup": int(dataset["number"]) if dataset else None,
                "matches": bool(matcher.fit(reference, as_structure)),
                "sameSiteCount": len(atoms) == len(reference),
            }
            if not result["ase"]["matches"] or not result["ase"]["sameSiteCount"]:
                problems.append("ASE structure differs from the reference")
            if result["ase"]["spaceGroup"] != case["spaceGroup"]:
                problems.append("ASE/spglib space group differs")
        except Exception as error:
            problems.append(f"ASE failed: {type(error).__name__}: {error}")
        result["ok"] = not problems
        result["problems"] = problems
        all_ok = all_ok and not problems
        print(json.dumps(result), flush=True)
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
