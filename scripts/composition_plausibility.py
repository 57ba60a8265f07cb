#!/usr/bin/python3
"""Independent reference for the strict compositional-plausibility rule (electron/stability/plausibility.ts),
written from pymatgen's own data so the TypeScript can be checked against it:

- ICSD occurrence of each oxidation state: pymatgen's analysis/icsd_bv.yaml (`occurrence`);
  P(element, state) = occurrence / the element's total occurrence (state 0 included in the total).
- Pauling electronegativity: pymatgen's Element.X.
- metals (for the optional all-metal "alloy" verdict): pymatgen's Element.is_metal.

Rule, on the formula reduced by the gcd of its counts:
  one element -> valid when alloys are allowed, else invalid; all elements metals and alloys allowed -> valid ('alloy');
  otherwise valid iff the atoms can take non-zero oxidation states each with P >= tau, summing to zero, every
  element wholly cation or wholly anion, every cation strictly less electronegative than every anion.
  The reported score is the largest product of P over all atoms among such assignments.

Usage:
  composition_plausibility.py verdicts [--tau T] [--no-alloys] < formulas.json   -> one JSON verdict per line
  composition_plausibility.py common < formulas.json   -> charge-balanced with pymatgen's common oxidation states
  composition_plausibility.py agreement [--tau T]   -> on 600 MP-20 validation formulas (random.seed(0)): how often
      the rule (alloys off) agrees with charge balance in pymatgen's common oxidation states
"""
import argparse
import itertools
import json
import math
import os
import sys

import yaml
from pymatgen.core import Composition, Element
import pymatgen.analysis.bond_valence as bond_valence

DEFAULT_TAU = 0.05


def load_probabilities():
    path = os.path.join(os.path.dirname(bond_valence.__file__), 'icsd_bv.yaml')
    with open(path) as f:
        occurrence = yaml.safe_load(f)['occurrence']
    counts = {}
    for key, n in occurrence.items():
        # keys look like 'Fe3+', 'O2-', 'Ag0+'
        sign = -1 if key.endswith('-') else 1
        body = key[:-1]
        i = len(body)
        while i > 0 and body[i - 1].isdigit():
            i -= 1
        symbol, magnitude = body[:i], body[i:]
        state = sign * int(magnitude) if magnitude else sign
        counts.setdefault(symbol, {})[state] = n
    return {el: {s: n / sum(table.values()) for s, n in table.items()} for el, table in counts.items()}


PROBABILITY = load_probabilities()


def sum_options(probabilities, count):
    """Total charge of `count` atoms -> best log-probability, over multisets of the given states."""
    best = {}
    states = list(probabilities)
    for combo in itertools.combinations_with_replacement(states, count):
        total = sum(combo)
        score = sum(math.log(probabilities[s]) for s in combo)
        if total not in best or score > best[total]:
            best[total] = score
    return best


def verdict(formula, tau=DEFAULT_TAU, alloys=True):
    comp = Composition(formula)
    amounts = comp.get_el_amt_dict()
    g = 0
    for a in amounts.values():
        g = math.gcd(g, int(round(a)))
    reduced = {el: int(round(a)) // g for el, a in amounts.items()}
    elements = sorted(reduced, key=lambda e: Element(e).Z)
    if len(elements) == 1:
        return {'valid': alloys, 'verdict': 'single-element'}
    if alloys and all(Element(e).is_metal for e in elements):
        return {'valid': True, 'verdict': 'alloy'}
    allowed = {}
    for e in elements:
        table = PROBABILITY.get(e, {})
        allowed[e] = {s: p for s, p in table.items() if s != 0 and p >= tau}
    if any(not allowed[e] for e in elements):
        return {'valid': False, 'verdict': 'no-common-state'}
    best = None
    balanced = False
    for signs in itertools.product((1, -1), repeat=len(elements)):
        options = []
        for e, sign in zip(elements, signs):
            states = {s: p for s, p in allowed[e].items() if (s > 0) == (sign > 0)}
            if not states:
                break
            options.append(sum_options(states, reduced[e]))
        else:
            for choice in itertools.product(*[list(o.items()) for o in options]):
                if sum(c[0] for c in choice) != 0:
                    continue
                balanced = True
                cations = [Element(e).X for e, s in zip(elements, signs) if s > 0]
                anions = [Element(e).X for e, s in zip(elements, signs) if s < 0]
                if any(math.isnan(x) for x in cations + anions) or max(cations) >= min(anions):
                    continue
                score = sum(c[1] for c in choice)
                if best is None or score > best:
                    best = score
    if best is not None:
        return {'valid': True, 'verdict': 'charge-balanced', 'logScore': best}
    return {'valid': False, 'verdict': 'electronegativity-order' if balanced else 'no-balanced-assignment'}


def common_balanced(formula):
    """Charge-balanced with pymatgen's common oxidation states (atoms of an element may mix them)."""
    comp = Composition(formula)
    if len(comp.elements) == 1:
        return True
    override = {el.symbol: list(el.common_oxidation_states) for el in comp.elements}
    try:
        return len(comp.oxi_state_guesses(oxi_states_override=override, max_sites=-50)) > 0
    except ValueError:
        return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('mode', choices=['verdicts', 'common', 'agreement'])
    parser.add_argument('--tau', type=float, default=DEFAULT_TAU)
    parser.add_argument('--no-alloys', action='store_true')
    args = parser.parse_args()
    if args.mode == 'agreement':
        import csv, gzip, random
        csv.field_size_limit(1 << 30)
        path = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'shared', 'data', 'structures', 'mp_20_val.csv.gz')
        with gzip.open(path, 'rt') as f:
            rows = list(csv.DictReader(f))
        random.seed(0)
        formulas = [r['pretty_formula'] for r in random.sample(rows, 600)]
        strict = [verdict(f, args.tau, False)['valid'] for f in formulas]
        common = [common_balanced(f) for f in formulas]
        agree = sum(a == b for a, b in zip(strict, common))
        print(f'{len(formulas)} MP-20 val formulas: strict rule (tau {args.tau}) {sum(strict)}, common-state balance {sum(common)}, agree {agree} ({100 * agree / len(formulas):.1f} %)')
        return
    formulas = json.load(sys.stdin)
    for f in formulas:
        if args.mode == 'verdicts':
            print(json.dumps(verdict(f, args.tau, not args.no_alloys)))
        else:
            print(json.dumps(common_balanced(f)))


if __name__ == '__main__':
    main()
