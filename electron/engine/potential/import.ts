/**
 * Converts a matgl M3GNet folder (model.json + state.pt) into a folder the app ships and loads without ../shared or
 * PyTorch: `model.safetensors` (tensor names = matgl state-dict keys), `model.json` (a card: the matgl init_args,
 * data mean/std, element types, where the weights come from, the licence and the authors' published metrics) and
 * `LICENSE` (the licence text found beside the source folder).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { writeSafetensors } from '../safetensors.ts';
import { loadPotentialFolder, POTENTIAL_CARD_FORMAT, PotentialWeightsError } from './weights.ts';

export interface PotentialCard {
  format: typeof POTENTIAL_CARD_FORMAT;
  version: 1;
  kind: 'potential';
  name: string;
  architecture: 'M3GNet';
  description: string;
  /** matgl's M3GNet init_args, verbatim. */
  config: Record<string, unknown>;
  dataMean: number;
  dataStd: number;
  elementTypes: string[];
  parameterCount: number;
  source: { model: string; repository: string; path: string; commit: string | null; trainingData: string | null };
  licence: string;
  licenceFile: 'LICENSE';
  /** The authors' numbers, copied from the source folder's README (mean absolute errors per split). */
  publishedMetrics: { description: string; splits: Record<string, string[]> } | null;
  /** Free text given at import (e.g. which energy scale the model predicts). */
  note?: string;
}

export interface ImportOptions {
  /** Folder name of the output (default: the last path component of `out`). */
  name?: string;
  /** The matgl git commit the source folder was taken from, recorded in the card. */
  commit?: string;
  note?: string;
}

/** Reads the "MAEs of energies, forces and stresses" lines of a matgl README, e.g. "- Validation: 21.099 meV/atom, 0.072 eV/A, 0.380 GPa". */
export function parsePublishedMetrics(readme: string): PotentialCard['publishedMetrics'] {
  const splits: Record<string, string[]> = {};
  for (const match of readme.matchAll(/^- (Training|Validation|Test): (.+)$/gm)) splits[match[1]!.toLowerCase()] = match[2]!.split(',').map((s) => s.trim());
  if (Object.keys(splits).length === 0) return null;
  const heading = /^(MAEs of [^\n]+)$/m.exec(readme)?.[1]?.trim() ?? 'mean absolute errors';
  return { description: `${heading} (authors' README)`, splits };
}

export function firstLineOfSection(readme: string, heading: string): string | null {
  const section = new RegExp(`^# ${heading}\\s*\\n+([^\\n]+)`, 'm').exec(readme);
  return section?.[1]?.trim() ?? null;
}

/** SPDX id of a licence text we recognise by its title line. */
export function licenceId(text: string): string {
  const title = text.trimStart().split('\n')[0]!.trim();
  if (/^BSD 3-Clause License$/i.test(title)) return 'BSD-3-Clause';
  if (/^MIT License$/i.test(title)) return 'MIT';
  return `see LICENSE (${title.slice(0, 60)})`;
}

/** A matgl model folder's provenance, as converted cards record it: licence, source, the README's metrics, the note. */
export interface MatglProvenance {
  source: { model: string; repository: string; path: string; commit: string | null; trainingData: string | null };
  licence: string;
  licenceFile: 'LICENSE';
  publishedMetrics: PotentialCard['publishedMetrics'];
  note?: string;
}

/**
 * Reads the licence (in the folder or beside it: matgl keeps one LICENSE for all pretrained models) and the README
 * of matgl's pretrained folder `sourceDir` of model `model`; `fail` makes the error for a missing licence.
 */
export function readMatglProvenance(
  sourceDir: string,
  model: string,
  options: { commit?: string; note?: string },
  fail: (message: string) => Error,
): { provenance: MatglProvenance; licenceText: string } {
  const licencePath = [join(sourceDir, 'LICENSE'), join(dirname(resolve(sourceDir)), 'LICENSE')].find((p) => existsSync(p));
  if (licencePath === undefined) throw fail(`${sourceDir}: no LICENSE in the folder or beside it; the converted weights must ship with their licence text`);
  const licenceText = readFileSync(licencePath, 'utf8');
  const readmePath = join(sourceDir, 'README.md');
  const readme = existsSync(readmePath) ? readFileSync(readmePath, 'utf8') : '';
  const provenance: MatglProvenance = {
    source: {
      model,
      repository: 'materialsvirtuallab/matgl',
      path: `pretrained_models/${model}`,
      commit: options.commit ?? null,
      trainingData: firstLineOfSection(readme, 'Training dataset'),
    },
    licence: licenceId(licenceText),
    licenceFile: 'LICENSE',
    publishedMetrics: parsePublishedMetrics(readme),
    ...(options.note !== undefined && { note: options.note }),
  };
  return { provenance, licenceText };
}

export async function importMatglPotential(sourceDir: string, out: string, options: ImportOptions = {}): Promise<PotentialCard> {
  const weights = loadPotentialFolder(sourceDir);
  if (existsSync(join(sourceDir, 'model.safetensors'))) throw new PotentialWeightsError(`${sourceDir}: already a converted potential folder (model.safetensors); give the matgl folder with state.pt`);
  const { provenance, licenceText } = readMatglProvenance(sourceDir, weights.source, options, (message) => new PotentialWeightsError(message));

  const name = options.name ?? resolve(out).split(/[\\/]/).filter(Boolean).at(-1)!;
  const parameterCount = [...weights.tensors.values()].reduce((n, t) => n + t.data.length, 0);
  const card: PotentialCard = {
    format: POTENTIAL_CARD_FORMAT,
    version: 1,
    kind: 'potential',
    name,
    architecture: 'M3GNet',
    description: `matgl's ${weights.source} (M3GNet interatomic potential, ${weights.elementTypes.length} elements), converted unchanged: energy (eV), forces and stress come from these weights run on CrystalFormer Studio's engine.`,
    config: weights.config,
    dataMean: weights.dataMean,
    dataStd: weights.dataStd,
    elementTypes: weights.elementTypes,
    parameterCount,
    ...provenance,
  };

  await writeConvertedFolder(out, weights, card, POTENTIAL_CARD_FORMAT, licenceText);
  return card;
}

/** Writes a converted matgl model folder: `model.safetensors` (tagged with `format`), the `model.json` card, `LICENSE`. */
export async function writeConvertedFolder(
  out: string,
  weights: { source: string; tensors: ReadonlyMap<string, { data: Float32Array | Float64Array; shape: readonly number[] }> },
  card: object,
  format: string,
  licenceText: string,
): Promise<void> {
  mkdirSync(out, { recursive: true });
  const tensors = new Map([...weights.tensors].map(([key, t]) => [key, { data: t.data, shape: [...t.shape] }]));
  await writeSafetensors(join(out, 'model.safetensors'), tensors, { format, source: weights.source });
  writeFileSync(join(out, 'model.json'), JSON.stringify(card, null, 2) + '\n');
  writeFileSync(join(out, 'LICENSE'), licenceText);
}
