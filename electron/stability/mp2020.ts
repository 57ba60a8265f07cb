/**
 * The Materials Project 2020 energy corrections (Wang et al., Sci. Rep. 11, 15496 (2021); pymatgen's
 * `MaterialsProject2020Compatibility`, "Advanced" mixing, peroxide detection on): constants from
 * MP2020Compatibility.yaml, rules re-implemented here from pymatgen's description of them.
 *
 * For a structure with at least two elements:
 * - sulfide: −0.503 eV per S atom unless the structure is a sulfate (S bonded to more electronegative atoms);
 * - oxygen: per O atom, the oxide / peroxide / superoxide / ozonide value by O–O distances (hydroxides count as
 *   oxides);
 * - Br, I, Se, Si, Sb, Te, H, N, F, Cl: per atom, when that element is an anion — a negative state in the most
 *   probable charge-balanced oxidation states, or the most electronegative element of the compound;
 * - GGA/GGA+U mixing: per atom of V, Cr, Mn, Fe, Co, Ni, W or Mo when the most electronegative element is O or F.
 *   Materials Project ran such oxides and fluorides with +U; a potential trained on MP (M3GNet-MP-2021) predicts
 *   energies on that mixed scale, so the structure is treated as the GGA+U calculation MP would have made.
 * Corrections are in eV (negative = more stable); uncertainties add in quadrature.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Composition } from '../../shared/crystal/composition.ts';
import { electronegativity } from '../../shared/crystal/elements.ts';
import type { Structure } from '../../shared/crystal/structure.ts';
import { defaultDataRoot } from '../predictors/properties.ts';
import { oxideType, sulfideType, type OxideType } from './anion-types.ts';
import { guessOxidationStates } from './oxidation.ts';
import { parseYamlMapping, type YamlMapping } from './yaml.ts';

export interface EnergyAdjustment {
  /** pymatgen's name for it, e.g. 'MP2020 anion correction (oxide)', 'MP2020 GGA/GGA+U mixing correction (Fe)'. */
  name: string;
  /** The element the correction counts. */
  element: string;
  /** eV per atom of `element`. */
  perAtom: number;
  atoms: number;
  /** perAtom × atoms, eV. */
  energy: number;
  /** Standard uncertainty of `energy`, eV. */
  uncertainty: number;
}

export interface CorrectedEnergy {
  /** The energy given (eV, whole cell). */
  rawEnergy: number;
  /** rawEnergy + correction, eV. */
  energy: number;
  /** Σ adjustments, eV. */
  correction: number;
  /** √Σ uncertainty², eV. */
  correctionUncertainty: number;
  adjustments: EnergyAdjustment[];
}

/** Anions checked by oxidation state, in pymatgen's order. */
const OXIDATION_STATE_ANIONS = ['Br', 'I', 'Se', 'Si', 'Sb', 'Te', 'H', 'N', 'F', 'Cl'];

type CorrectionTable = Readonly<Record<string, number>>;

export class Mp2020Compatibility {
  private constructor(
    /** Where the constants came from. */
    readonly source: string,
    private readonly composition: CorrectionTable,
    private readonly compositionUncertainty: CorrectionTable,
    /** most electronegative element (O, F) → metal → eV/atom */
    private readonly mixing: Readonly<Record<string, CorrectionTable>>,
    private readonly mixingUncertainty: Readonly<Record<string, CorrectionTable>>,
  ) {}

  /** Reads MP2020Compatibility.yaml (default: $CFSTUDIO_DATA or ../shared/data, properties/MP2020Compatibility.yaml). */
  static load(file = defaultMp2020Path()): Mp2020Compatibility {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`${file}: cannot read the MP2020 correction constants (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    return Mp2020Compatibility.fromYaml(text, file);
  }

  static fromYaml(text: string, source: string): Mp2020Compatibility {
    const root = parseYamlMapping(text, source);
    const section = (mapping: unknown, path: string): YamlMapping => {
      if (typeof mapping !== 'object' || mapping === null) throw new Error(`${source}: missing mapping '${path}'`);
      return mapping as YamlMapping;
    };
    const numbers = (mapping: YamlMapping, path: string): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const [key, value] of Object.entries(mapping)) {
        if (typeof value !== 'number') throw new Error(`${source}: ${path}.${key} must be a number`);
        out[key] = value;
      }
      return out;
    };
    const corrections = section(root.Corrections, 'Corrections');
    const uncertainties = section(root.Uncertainties, 'Uncertainties');
    const nested = (mapping: YamlMapping, path: string): Record<string, Record<string, number>> =>
      Object.fromEntries(Object.entries(mapping).map(([anion, table]) => [anion, numbers(section(table, `${path}.${anion}`), `${path}.${anion}`)]));
    const composition = numbers(section(corrections.CompositionCorrections, 'Corrections.CompositionCorrections'), 'Corrections.CompositionCorrections');
    for (const required of ['oxide', 'peroxide', 'superoxide', 'ozonide', 'S']) {
      if (!(required in composition)) throw new Error(`${source}: Corrections.CompositionCorrections.${required} is missing`);
    }
    return new Mp2020Compatibility(
      source,
      composition,
      numbers(section(uncertainties.CompositionCorrections, 'Uncertainties.CompositionCorrections'), 'Uncertainties.CompositionCorrections'),
      nested(section(corrections.GGAUMixingCorrections, 'Corrections.GGAUMixingCorrections'), 'Corrections.GGAUMixingCorrections'),
      nested(section(uncertainties.GGAUMixingCorrections, 'Uncertainties.GGAUMixingCorrections'), 'Uncertainties.GGAUMixingCorrections'),
    );
  }

  /** True when MP would have run this composition with +U (an oxide or fluoride of a metal with a mixing correction). */
  isGgaPlusU(composition: Composition): boolean {
    const anion = mostElectronegative(composition);
    const table = anion === undefined ? undefined : this.mixing[anion];
    return table !== undefined && composition.elements.some((symbol) => symbol in table);
  }

  /** The corrections MP2020 applies to this structure (empty for a single element). */
  adjustments(structure: Structure): EnergyAdjustment[] {
    const composition = Composition.fromStructure(structure);
    const adjustments: EnergyAdjustment[] = [];
    if (composition.elements.length <= 1) return adjustments;
    const add = (name: string, element: string, perAtom: number | undefined, uncertaintyPerAtom: number | undefined): void => {
      if (perAtom === undefined) return;
      const atoms = composition.amount(element);
      adjustments.push({ name, element, perAtom, atoms, energy: perAtom * atoms, uncertainty: (uncertaintyPerAtom ?? 0) * atoms });
    };

    if (composition.amount('S') > 0) {
      const type = sulfideType(structure);
      if (type === 'sulfide' || type === 'polysulfide') add('MP2020 anion correction (S)', 'S', this.composition.S, this.compositionUncertainty.S);
    }
    if (composition.amount('O') > 0) {
      const type: OxideType = oxideType(structure) ?? 'oxide';
      const key = type === 'hydroxide' ? 'oxide' : type;
      add(`MP2020 anion correction (${key})`, 'O', this.composition[key], this.compositionUncertainty[key]);
    }
    const mostNegative = mostElectronegative(composition);
    let states: Record<string, number> | undefined;
    for (const anion of OXIDATION_STATE_ANIONS) {
      if (composition.amount(anion) === 0 || !(anion in this.composition)) continue;
      states ??= guessOxidationStates(composition);
      if ((states[anion] ?? 0) < 0 || anion === mostNegative) {
        add(`MP2020 anion correction (${anion})`, anion, this.composition[anion], this.compositionUncertainty[anion]);
      }
    }
    const mixing = mostNegative === undefined ? undefined : this.mixing[mostNegative];
    if (mixing !== undefined) {
      for (const symbol of composition.elements) {
        if (symbol in mixing) add(`MP2020 GGA/GGA+U mixing correction (${symbol})`, symbol, mixing[symbol], this.mixingUncertainty[mostNegative!]?.[symbol]);
      }
    }
    return adjustments;
  }

  /** The MP2020-corrected energy of a structure whose raw (uncorrected GGA/GGA+U scale) energy is `energy` eV. */
  correctedEnergy(structure: Structure, energy: number): CorrectedEnergy {
    if (!Number.isFinite(energy)) throw new Error(`correctedEnergy: the energy must be a finite number, got ${energy}`);
    const adjustments = this.adjustments(structure);
    const correction = adjustments.reduce((sum, a) => sum + a.energy, 0);
    const correctionUncertainty = Math.sqrt(adjustments.reduce((sum, a) => sum + a.uncertainty ** 2, 0));
    return { rawEnergy: energy, energy: energy + correction, correction, correctionUncertainty, adjustments };
  }
}

/**
 * The most electronegative element (Pauling), ties going to the later element in composition order as in
 * pymatgen's stable sort; elements without a value (noble gases) rank lowest.
 */
export function mostElectronegative(composition: Composition): string | undefined {
  let best: string | undefined;
  let bestX = -Infinity;
  for (const symbol of composition.elements) {
    const x = electronegativity(symbol) ?? -Infinity;
    if (best === undefined || x >= bestX) {
      best = symbol;
      bestX = x;
    }
  }
  return best;
}

export function defaultMp2020Path(): string {
  return join(defaultDataRoot(), 'properties', 'MP2020Compatibility.yaml');
}
