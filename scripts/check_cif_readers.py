#!/usr/bin/env python3
"""Expand CIF files with gemmi, pymatgen and ASE and compare each reader's atoms with the expected P1 expansion.

Usage: check_cif_readers.py MANIFEST.json

The manifest (written by tests/io/cif-readers.ts) lists files and the atoms of the full cell each should give:
    {"tolerance": 1e-4,
     "cases": [{"file": "...", "spaceGroup": 129, "species": ["Na", ...], "frac": [[x, y, z], ...]}]}
For every file and reader (gemmi `read_small_structure` + `get_all_unit_cell_sites`, pymatgen
`CifParser.get_structures(primitive=False)`, ASE `ase.io.read`) the check is: the same number of atoms, and a
one-to-one pairing of expected and read atoms of the same element whose fractional coordinates agree within
`tolerance` modulo lattice translations. gemmi also reports which space group it resolved from the file.
Readers whose module is missing are reported in "missing" and not checked. Prints one JSON object per case and
exits 0 when every checked reader agrees on every case, 1 otherwise.
"""
import json
import sys
import warnings


def periodic_distance(p, q):
    worst = 0.0
    for a, b in zip(p, q):
        d = a - b
        d -= round(d)
        worst = max(worst, abs(d))
    return worst


def compare(expected_species, expected_frac, read_species, read_frac, tolerance):
    """A list of problems (empty when the two atom lists agree)."""
    if len(read_species) != len(expected_species):
        return [f"{len(read_species)} atoms, expected {len(expected_species)}"]
    unused = list(range(len(read_species)))
    for species, frac in zip(expected_species, expected_frac):
        match = next((k for k in unused if read_species[k] == species and periodic_distance(read_frac[k], frac) <= tolerance), None)
        if match is None:
            nearest = min((periodic_distance(read_frac[k], frac) for k in unused if read_species[k] == species), default=None)
            return [f"no {species} atom at ({frac[0]:.6f}, {frac[1]:.6f}, {frac[2]:.6f}) (nearest unmatched {species}: {nearest})"]
        unused.remove(match)
    return []


def read_gemmi(path):
    import gemmi

    st = gemmi.read_small_structure(path)
    sg = st.find_spacegroup()
    sites = st.get_all_unit_cell_sites()
    species = [site.element.name for site in sites]
    frac = [[site.fract.x, site.fract.y, site.fract.z] for site in sites]
    return species, frac, {"spaceGroup": sg.number if sg else None, "xhm": sg.xhm() if sg else None}


def read_pymatgen(path):
    from pymatgen.io.cif import CifParser

    structure = CifParser(path).get_structures(primitive=False)[0]
    return [site.specie.symbol for site in structure], [list(site.frac_coords) for site in structure], {}


def read_ase(path):
    import ase.io

    atoms = ase.io.read(path, format="cif")
    return list(atoms.get_chemical_symbols()), [list(p) for p in atoms.get_scaled_positions(wrap=True)], {}


READERS = {"gemmi": ("gemmi", read_gemmi), "pymatgen": ("pymatgen.io.cif", read_pymatgen), "ase": ("ase.io", read_ase)}


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    warnings.filterwarnings("ignore")
    with open(argv[1]) as handle:
        manifest = json.load(handle)
    tolerance = float(manifest.get("tolerance", 1e-4))
    available = {}
    missing = []
    for name, (module, reader) in READERS.items():
        try:
            __import__(module)
            available[name] = reader
        except ImportError:
            missing.append(name)
    all_ok = True
    for case in manifest["cases"]:
        result = {"file": case["file"], "spaceGroup": case["spaceGroup"], "missing": missing, "problems": []}
        for name, reader in available.items():
            try:
                species, frac, extra = reader(case["file"])
                if extra:
                    result[name] = extra
                if "spaceGroup" in extra and extra["spaceGroup"] != case["spaceGroup"]:
                    result["problems"].append(f"{name}: space group {extra['spaceGroup']} ({extra.get('xhm')}), expected {case['spaceGroup']}")
                result["problems"] += [f"{name}: {p}" for p in compare(case["species"], case["frac"], species, frac, tolerance)]
            except Exception as error:  # report, do not crash: the test prints the message
                result["problems"].append(f"{name} failed: {type(error).__name__}: {error}")
        result["ok"] = not result["problems"]
        all_ok = all_ok and result["ok"]
        print(json.dumps(result), flush=True)
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
