#!/usr/bin/python3
"""Write each shipped predictor's domain into its card (models/predictor-*/model.json, field `domain`): the
elements present in the crystals it was trained on, so that a reward's extrapolation guard can refuse to trust a
prediction for a crystal holding any other element (electron/predictors/onnx-predictor.ts `outOfDomain`).

Training crystals, as the cards describe them: MP-20 train (../shared/data/structures/mp_20_train.csv.gz) for
band gap and formation energy; for the dielectric constant, the rows of
../shared/data/properties/dielectric_structures.csv.gz on the training side of `cfstudio data prepare
--val-fraction 0.2` (electron/data/prepare.ts isValidationId: sha256 of the material id, first 4 bytes / 2^32 < 0.2
is validation). Rows the dataset skipped (more than 20 Wyckoff sites) are not removed here, so the element set can
only be larger by their elements, if unique to them.

  /usr/bin/python3 scripts/predictor_domains.py
"""
import csv
import gzip
import json
import os

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(os.path.dirname(REPO), 'shared', 'data')
csv.field_size_limit(1 << 30)

with gzip.open(os.path.join(DATA, 'structures', 'mp_20_train.csv.gz'), 'rt') as f:
    train = {row['material_id']: json.loads(row['elements'].replace("'", '"')) for row in csv.DictReader(f)}
import hashlib
import re


def is_validation(material_id, fraction=0.2):
    digest = hashlib.sha256(material_id.encode()).digest()
    return int.from_bytes(digest[:4], 'big') / 2**32 < fraction


def formula_elements(formula):
    return set(re.findall(r'[A-Z][a-z]?', formula))


with gzip.open(os.path.join(DATA, 'properties', 'dielectric_structures.csv.gz'), 'rt') as f:
    dielectric_train = [formula_elements(row['formula']) for row in csv.DictReader(f) if not is_validation(row['material_id'])]

sets = {
    'predictor-band-gap': set().union(*train.values()),
    'predictor-formation-energy': set().union(*train.values()),
    'predictor-dielectric': set().union(*dielectric_train),
}
for folder, elements in sets.items():
    path = os.path.join(REPO, 'models', folder, 'model.json')
    with open(path) as f:
        card = json.load(f)
    card['domain'] = {
        'elements': sorted(elements),
        'note': 'Elements of the training crystals (scripts/predictor_domains.py). A crystal with any other element is extrapolation: the guards.extrapolation of a reward spec gives it the penalty instead of a prediction.',
    }
    with open(path, 'w') as f:
        f.write(json.dumps(card, indent=2, ensure_ascii=False) + '\n')
    print(f'{folder}: {len(elements)} elements')
