/**
 * Thermodynamic stability of a crystal from its total energy on the Materials Project's uncorrected GGA/GGA+U scale
 * (what M3GNet-MP-2021 predicts): MP2020-corrected energy → formation energy per atom against the MP elemental
 * references → energy above the convex hull of reference phases, with the phases it would decompose into.
 *
 * The hull is electron/rewards/hull.ts's HullReference (formation energies per atom of hull_reference.csv plus
 * every element at 0). That reference is PARTIAL — the Materials Project entries that appear in MP-20 and MPTS-52,
 * not all of MP — so E_hull here is a lower bound of the one against the full MP hull: a crystal can look stable
 * because a competing phase is missing. Every result carries {@link PARTIAL_HULL_NOTE} to say so.
 */
import { Composition } from '../../shared/crystal/composition.ts';
import type { Structure } from '../../shared/crystal/structure.ts';
import { defaultHullReferencePath, HullReference, loadHullReference } from '../rewards/hull.ts';
import { type CorrectedEnergy, Mp2020Compatibility } from './mp2020.ts';
import { ElementalReferences } from './references.ts';

export const PARTIAL_HULL_NOTE =
  'E_hull is measured against a partial reference hull: Materials Project entries from MP-20 and MPTS-52 (hull_reference.csv) plus the elements, not all of MP. A missing competing phase makes a crystal look more stable than it is.';

export interface DecompositionPhase {
  /** Reference entry id (e.g. 'mp-19770'), or 'element:Fe' for an elemental reference. */
  id: string;
  /** Reduced formula (pymatgen's convention: 'Fe2O3', 'O2' for oxygen). */
  formula: string;
  /** Share of the crystal's atoms in this phase (shares sum to 1). */
  fraction: number;
  /** Formation energy of the phase, eV/atom. */
  formationEnergyPerAtom: number;
  /** Total energy of the phase on the corrected MP scale, eV/atom (formation energy + elemental references). */
  energyPerAtom: number;
}

export interface StabilityResult extends CorrectedEnergy {
  /** Reduced formula of the crystal. */
  formula: string;
  atoms: number;
  /** Corrected energy per atom, eV/atom. */
  energyPerAtom: number;
  /** eV/atom against the elemental references. */
  formationEnergyPerAtom: number;
  /** Formation energy of the reference hull at this composition, eV/atom. */
  hullFormationEnergyPerAtom: number;
  /** formationEnergyPerAtom − hullFormationEnergyPerAtom, eV/atom; negative = below the reference hull. */
  eHull: number;
  /** The hull phases at this composition (largest share first); a lone entry of its own formula when on the hull. */
  decomposition: DecompositionPhase[];
  /** {@link PARTIAL_HULL_NOTE}. */
  reference: string;
}

export interface StabilityOptions {
  /** MP2020 constants (default: MP2020Compatibility.yaml under $CFSTUDIO_DATA or ../shared/data/properties). */
  compatibility?: Mp2020Compatibility;
  /** Elemental references (default: mp_elemental_reference_entries.json.gz beside it). */
  elements?: ElementalReferences;
  /** The hull, or the path of a reference CSV (default: hull_reference.csv beside it, or $CFSTUDIO_HULL_REFERENCE). */
  hull?: HullReference | string;
}

export class StabilityAnalyzer {
  private constructor(
    readonly compatibility: Mp2020Compatibility,
    readonly elements: ElementalReferences,
    readonly hull: HullReference,
  ) {}

  static async load(options: StabilityOptions = {}): Promise<StabilityAnalyzer> {
    const compatibility = options.compatibility ?? Mp2020Compatibility.load();
    const elements = options.elements ?? ElementalReferences.load();
    let hull = options.hull;
    if (hull === undefined) {
      const path = defaultHullReferencePath();
      if (path === undefined) throw new Error('no hull reference found: set CFSTUDIO_HULL_REFERENCE or provide ../shared/data/properties/hull_reference.csv');
      hull = path;
    }
    return new StabilityAnalyzer(compatibility, elements, typeof hull === 'string' ? await loadHullReference(hull) : hull);
  }

  /** The MP2020-corrected energy of a structure whose raw energy (eV, whole cell) is `energy`. */
  correctedEnergy(structure: Structure, energy: number): CorrectedEnergy {
    return this.compatibility.correctedEnergy(structure, energy);
  }

  /** Formation energy per atom (eV/atom) of a structure with raw energy `energy` (eV, whole cell); corrections applied. */
  formationEnergyPerAtom(structure: Structure, energy: number): number {
    return this.formationFromCorrected(Composition.fromStructure(structure), this.correctedEnergy(structure, energy).energy);
  }

  /** Formation energy per atom of a composition whose energy (eV, these atoms) is already on the corrected scale. */
  formationFromCorrected(composition: Composition, correctedEnergy: number): number {
    return (correctedEnergy - this.elements.energyOfElements(composition)) / composition.numAtoms;
  }

  /** Corrected energy, formation energy and E_hull with its decomposition, from a raw energy (eV, whole cell). */
  energyAboveHull(structure: Structure, energy: number): StabilityResult {
    const composition = Composition.fromStructure(structure);
    if (composition.numAtoms === 0) throw new Error('energyAboveHull: the structure has no atoms');
    const corrected = this.correctedEnergy(structure, energy);
    const formationEnergyPerAtom = this.formationFromCorrected(composition, corrected.energy);
    const { hullEnergy, phases } = this.hull.decompositionOf(composition);
    const decomposition = phases.map((phase): DecompositionPhase => {
      const phaseComposition = Composition.fromFormula(phase.formula);
      const elementsPerAtom = this.elements.energyOfElements(phaseComposition) / phaseComposition.numAtoms;
      // Elemental references are named by their symbol in the hull; use the reduced formula (O2, F2…) like the rest.
      return { id: phase.id, formula: phaseComposition.reducedFormula, fraction: phase.atomFraction, formationEnergyPerAtom: phase.formationEnergyPerAtom, energyPerAtom: phase.formationEnergyPerAtom + elementsPerAtom };
    });
    return {
      ...corrected,
      formula: composition.reducedFormula,
      atoms: composition.numAtoms,
      energyPerAtom: corrected.energy / composition.numAtoms,
      formationEnergyPerAtom,
      hullFormationEnergyPerAtom: hullEnergy,
      eHull: formationEnergyPerAtom - hullEnergy,
      decomposition,
      reference: PARTIAL_HULL_NOTE,
    };
  }
}
