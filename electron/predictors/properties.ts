/**
 * The three built-in properties: where their values come from (../shared/data, joined to token datasets by
 * material id), how the network's output becomes the property, and where the shipped model lives.
 */
import { createReadStream, existsSync } from 'node:fs';
import { isGzip } from '../data/csv-source.ts';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import type { OutputTransform } from './network.ts';

export const PROPERTY_NAMES = ['band_gap', 'formation_energy', 'dielectric_total'] as const;
export type PropertyName = (typeof PROPERTY_NAMES)[number];

export interface PropertyDefinition {
  name: PropertyName;
  unit: string;
  description: string;
  transform: OutputTransform;
  /** Folder name of the shipped model under models/. */
  modelDir: string;
  /** Default value files, relative to the data root; values of all files are merged by material id. */
  sources: string[];
  /** Column holding the value. */
  column: string;
  /** Values outside this range are dropped (and counted) before training and evaluation. */
  validRange: [number, number];
  /** Data sources and licences, for the model card. */
  citations: string[];
}

const MP20_CITATION =
  'MP-20 train/val splits (the CDVAE split: txie-93/cdvae, MIT; Materials Project data, CC-BY-4.0 — Jain et al., APL Mater. 1, 011002 (2013)), via ../shared/data/structures';

export const PROPERTIES: Record<PropertyName, PropertyDefinition> = {
  band_gap: {
    name: 'band_gap',
    unit: 'eV',
    description: 'PBE band gap of the Materials Project calculation (0 for metals)',
    transform: 'softplus',
    modelDir: 'predictor-band-gap',
    sources: ['structures/mp_20_train.csv.gz', 'structures/mp_20_val.csv.gz'],
    column: 'band_gap',
    validRange: [0, 100],
    citations: [MP20_CITATION + ' (column band_gap)'],
  },
  formation_energy: {
    name: 'formation_energy',
    unit: 'eV/atom',
    description: 'DFT formation energy per atom of the Materials Project calculation',
    transform: 'identity',
    modelDir: 'predictor-formation-energy',
    sources: ['structures/mp_20_train.csv.gz', 'structures/mp_20_val.csv.gz'],
    column: 'formation_energy_per_atom',
    validRange: [-20, 20],
    citations: [MP20_CITATION + ' (column formation_energy_per_atom)'],
  },
  dielectric_total: {
    name: 'dielectric_total',
    unit: '',
    description: 'total (electronic + ionic) DFPT dielectric constant, polycrystalline average, dimensionless',
    transform: 'log',
    modelDir: 'predictor-dielectric',
    // The rows of dielectric.csv with their own structures (2,169), so training is not limited to MP-20 ids.
    sources: ['properties/dielectric_structures.csv.gz'],
    column: 'diel_total',
    // ε ≥ 1 physically; DFPT sometimes returns negative or huge values for soft-mode (unstable) crystals.
    validRange: [1, 2000],
    citations: [
      'Dielectric constants: ../shared/data/properties/dielectric_structures.csv.gz, the rows of dielectric.csv from janosh/dielectrics (MIT; Riebesell et al. 2024; DFPT data of the Materials Project, Petousis et al., Sci. Data 4, 160134 (2017); CC-BY-4.0) with their structures from the Materials Project 2025.02.12 dump in fxcoudert/topology_databases (CC-BY-4.0); MP-20 test ids excluded',
      'Split by material id hash (cfstudio data prepare --val-fraction 0.2): 80 % train, 20 % held out',
    ],
  },
};

export function isPropertyName(name: string): name is PropertyName {
  return (PROPERTY_NAMES as readonly string[]).includes(name);
}

export function propertyDefinition(name: string): PropertyDefinition {
  if (!isPropertyName(name)) throw new Error(`unknown property '${name}' (known: ${PROPERTY_NAMES.join(', ')})`);
  return PROPERTIES[name];
}

/** The repository root (models/, runs/ live here). */
export function repositoryRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../..');
}

/** $CFSTUDIO_DATA, else ../shared/data next to the repository. */
export function defaultDataRoot(): string {
  return process.env.CFSTUDIO_DATA ? resolve(process.env.CFSTUDIO_DATA) : resolve(repositoryRoot(), '../shared/data');
}

export function shippedModelDir(name: PropertyName): string {
  return join(repositoryRoot(), 'models', PROPERTIES[name].modelDir);
}

export interface PropertyValues {
  /** material id → value (rows with an empty or non-numeric value are absent). */
  values: Map<string, number>;
  files: string[];
  /** Rows whose value was outside the valid range. */
  outOfRange: number;
}

/**
 * Read `column` by `material_id` from CSV files (plain or gzip). A missing file or column is an error naming the
 * file; a material id seen twice with different values is an error naming both lines.
 */
export async function readPropertyValues(files: readonly string[], column: string, validRange: [number, number]): Promise<PropertyValues> {
  const values = new Map<string, number>();
  const where = new Map<string, string>();
  let outOfRange = 0;
  for (const file of files) {
    if (!existsSync(file)) throw new Error(`${file}: property file not found (set --data-root or CFSTUDIO_DATA)`);
    const raw = createReadStream(file);
    const source = (await isGzip(file)) ? raw.pipe(createGunzip()) : raw;
    const parser = parse({ columns: true, bom: true, info: true, skip_empty_lines: true });
    source.on('error', (error: Error) => parser.destroy(new Error(`${file}: cannot read: ${error.message}`)));
    source.pipe(parser);
    let first = true;
    for await (const item of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      const { record, info } = item;
      if (first) {
        first = false;
        for (const needed of ['material_id', column]) {
          if (!(needed in record)) throw new Error(`${file}: no column '${needed}' (columns: ${Object.keys(record).join(', ')})`);
        }
      }
      const text = record[column]!.trim();
      if (text === '') continue;
      const value = Number(text);
      if (!Number.isFinite(value)) continue;
      if (value < validRange[0] || value > validRange[1]) {
        outOfRange++;
        continue;
      }
      const id = record.material_id!;
      const here = `${file}:${info.lines}`;
      const previous = values.get(id);
      if (previous !== undefined && previous !== value) throw new Error(`${here}: material ${id} has ${column} ${value}, but ${where.get(id)} gave ${previous}`);
      values.set(id, value);
      where.set(id, here);
    }
  }
  return { values, files: [...files], outOfRange };
}
