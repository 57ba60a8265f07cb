"""Independent reference for electron/stability: pymatgen's MaterialsProject2020Compatibility and PhaseDiagram.

stdin: {"cases": [{"id", "lattice": 3x3, "species": [...], "frac": [[x,y,z]...], "energy": eV}],
        "hull": {"csv": path, "elements": path} | null}
stdout: one JSON object per case: correction, uncertainty, adjustment names/values, oxidation-state guess and,
when "hull" is given, the formation energy per atom, E_hull and decomposition (reduced formula -> atom fraction)
from a PhaseDiagram of the reference entries of the case's chemical system plus the elements at 0 eV/atom.
"""
import csv
import gzip
import json
import sys
import warnings

warnings.filterwarnings("ignore")

from pymatgen.analysis.phase_diagram import PDEntry, PhaseDiagram
from pymatgen.core import Composition, Element, Lattice, Structure
from pymatgen.entries.compatibility import MaterialsProject2020Compatibility
from pymatgen.entries.computed_entries import ComputedStructureEntry
from pymatgen.io.vasp.sets import MPRelaxSet

request = json.load(sys.stdin)
compat = MaterialsProject2020Compatibility(check_potcar_hash=False)
u_settings = MPRelaxSet.CONFIG["INCAR"]["LDAUU"]
potcars = MPRelaxSet.CONFIG["POTCAR"]

hull_rows = None
mu = None
if request.get("hull"):
    with open(request["hull"]["csv"], newline="") as f:
        hull_rows = [(Composition(r["formula_sum"]), float(r["formation_energy_per_atom"])) for r in csv.DictReader(f)]
    with gzip.open(request["hull"]["elements"], "rt") as f:
        refs = json.load(f)
    mu = {el: e["energy"] / sum(e["composition"].values()) for el, e in refs.items()}

for case in request["cases"]:
    structure = Structure(Lattice(case["lattice"]), case["species"], case["frac"])
    comp = structure.composition
    elements = sorted(comp.elements, key=lambda el: el.X)
    most_en = elements[-1].symbol
    hubbards = {el.symbol: u_settings[most_en][el.symbol] for el in comp.elements if most_en in u_settings and el.symbol in u_settings[most_en]}
    entry = ComputedStructureEntry(
        structure,
        case["energy"],
        parameters={
            "run_type": "GGA+U" if hubbards else "GGA",
            "hubbards": hubbards,
            "potcar_symbols": ["PBE " + potcars[el.symbol] for el in comp.elements],
        },
    )
    processed = compat.process_entry(entry)
    out = {"id": case["id"]}
    if processed is None:
        out["error"] = "incompatible"
    else:
        out["correction"] = processed.correction
        out["uncertainty"] = processed.correction_uncertainty if processed.energy_adjustments else 0.0
        out["adjustments"] = {a.name: a.value for a in processed.energy_adjustments}
        out["oxidation_states"] = processed.data.get("oxidation_states", {})
        if hull_rows is not None:
            n = comp.num_atoms
            ef = (processed.energy - sum(amt * mu[el.symbol] for el, amt in comp.items())) / n
            system = {el.symbol for el in comp.elements}
            pd_entries = [PDEntry(Composition(el), 0.0) for el in system]
            pd_entries += [PDEntry(c, e * c.num_atoms) for c, e in hull_rows if {el.symbol for el in c.elements} <= system]
            pd = PhaseDiagram(pd_entries)
            decomposition, e_hull = pd.get_decomp_and_e_above_hull(PDEntry(comp, ef * n), allow_negative=True)
            out["formation_energy_per_atom"] = ef
            out["e_hull"] = e_hull
            out["decomposition"] = {}
            for phase, amount in decomposition.items():
                key = phase.composition.reduced_formula
                out["decomposition"][key] = out["decomposition"].get(key, 0.0) + amount
    print(json.dumps(out))
