/**
 * `cfstudio predictor import-megnet DIR --out models/predictor-band-gap-megnet`: converts matgl's multi-fidelity
 * MEGNet band-gap folder (model.json + state.pt) into a folder the app ships and loads without ../shared or
 * PyTorch — `model.safetensors` (tensor names = matgl state-dict keys, unchanged values), `model.json` (a card:
 * matgl's init_args, element types, target normalisation, fidelities, source and commit, licence, the authors'
 * published errors) and `LICENSE` (the licence text found beside the source folder).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parsePublishedMetrics, readMatglProvenance, writeConvertedFolder } from '../engine/potential/import.ts';
import { MEGNET_CARD_FORMAT, MEGNET_FIDELITIES, loadMegnetWeights } from './megnet.ts';

export interface MegnetCard {
  format: typeof MEGNET_CARD_FORMAT;
  version: 1;
  name: string;
  kind: 'property-predictor';
  /** Registry names: `band_gap_megnet` is PBE; the others add the fidelity (see registry.ts). */
  property: 'band_gap_megnet';
  unit: 'eV';
  description: string;
  fidelities: readonly string[];
  matgl: { model: string; initArgs: Record<string, unknown>; elementTypes: string[]; targetMean: number; targetStd: number };
  weights: 'model.safetensors';
  parameterCount: number;
  source: { model: string; repository: string; path: string; commit: string | null; trainingData: string | null; reference: string };
  licence: string;
  licenceFile: 'LICENSE';
  publishedMetrics: ReturnType<typeof parsePublishedMetrics>;
  note?: string;
  /** Measured here (bench/megnet-mp20.ts --record). */
  metrics?: Record<string, unknown>;
  /** Calibrated spread, from held-out residuals (bench/megnet-mp20.ts --record). */
  uncertainty?: Record<string, unknown>;
}

export async function importMatglMegnet(sourceDir: string, out: string, options: { commit?: string; note?: string } = {}): Promise<MegnetCard> {
  if (!existsSync(join(sourceDir, 'state.pt'))) throw new Error(`${sourceDir}: no state.pt (give matgl's MEGNet folder, not a converted one)`);
  const weights = loadMegnetWeights(sourceDir);
  const { provenance, licenceText } = readMatglProvenance(sourceDir, weights.source, options, (message) => new Error(message));
  const card: MegnetCard = {
    format: MEGNET_CARD_FORMAT,
    version: 1,
    name: resolve(out).split(/[\\/]/).filter(Boolean).at(-1)!,
    kind: 'property-predictor',
    property: 'band_gap_megnet',
    unit: 'eV',
    description: `matgl's ${weights.source}: multi-fidelity MEGNet band gap (eV) from the crystal structure, fidelity ${MEGNET_FIDELITIES.map((f, i) => `${i} ${f}`).join(', ')}; weights converted unchanged and run on CrystalFormer Studio's engine.`,
    fidelities: MEGNET_FIDELITIES,
    matgl: { model: weights.source, initArgs: weights.config, elementTypes: weights.elementTypes, targetMean: weights.targetMean, targetStd: weights.targetStd },
    weights: 'model.safetensors',
    parameterCount: [...weights.tensors.values()].reduce((n, t) => n + t.data.length, 0),
    ...provenance,
    source: {
      ...provenance.source,
      reference: 'Chen, Zuo, Ye, Li, Ong, Learning properties of ordered and disordered materials from multi-fidelity data, Nat. Comput. Sci. 1, 46-53 (2021), doi:10.1038/s43588-020-00002-x',
    },
  };
  await writeConvertedFolder(out, weights, card, MEGNET_CARD_FORMAT, licenceText);
  return card;
}
