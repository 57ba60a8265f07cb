#!/usr/bin/python3
"""Write each shipped predictor's domain into its card (models/predictor-*/model.json, field `domain`): the
elements present in the crystals it was trained on, so that a reward's extrapolation guard can refuse to trust a
prediction for a crystal holding any other element (electron/predictors/onnx-predictor.ts `outOfDomain`).

Training crystals, as the cards describe them: MP-20 train (../shared/data/structures/mp_20_train.csv.gz) for
band gap and formation energy; for the dielectric constant, the MP-20 train crystals with a value in
../shared/data/properties/dielectric.csv (the card's 2 values dropped as out of range are not removed here, so
the element set can only be larger by their elements, if unique to them).

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
with open(os.path.join(DATA, 'properties', 'dielectric.csv')) as f:
    dielectric_ids = {row['material_id'] for row in csv.DictReader(f)}

sets = {
    'predictor-band-gap': set().union(*train.values()),
    'predictor-formation-energy': set().union(*train.values()),
    'predictor-dielectric': set().union(*(els for mid, els in train.items() if mid in dielectric_ids)),
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
