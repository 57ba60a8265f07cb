/**
 * Elemental reference energies: the Materials Project's ground-state entry of each element (pymatgen ComputedEntry
 * dicts in mp_elemental_reference_entries.json.gz, 89 elements, GGA, database of 2023-02-07). `energy` is the
 * total uncorrected energy of the entry's cell in eV, `correction` (0 for every element there) is added, and the
 * reference is that per atom. Formation energies are measured against these.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Composition } from '../../shared/crystal/composition.ts';
import { defaultDataRoot } from '../predictors/properties.ts';

export interface ElementalReference {
  symbol: string;
  /** eV per atom (entry energy + correction, divided by its atoms). */
  energyPerAtom: number;
  /** Materials Project id of the entry, e.g. 'mp-13'. */
  materialId: string | null;
}

export class ElementalReferences {
  private constructor(
    readonly source: string,
    private readonly bySymbol: ReadonlyMap<string, ElementalReference>,
  ) {}

  /** Reads the gzip (or plain) JSON of pymatgen ComputedEntry dicts keyed by element symbol. */
  static load(file = defaultElementalReferencesPath()): ElementalReferences {
    let raw: Buffer;
    try {
      raw = readFileSync(file);
    } catch (error) {
      throw new Error(`${file}: cannot read elemental references (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    let json: unknown;
    try {
      json = JSON.parse((raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString('utf8'));
    } catch (error) {
      throw new Error(`${file}: not gzip JSON (${(error as Error).message.split('\n')[0]})`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${file}: expected an object keyed by element symbol`);
    const references = new Map<string, ElementalReference>();
    for (const [symbol, entry] of Object.entries(json as Record<string, unknown>)) {
      const e = entry as { energy?: unknown; correction?: unknown; composition?: unknown; data?: { material_id?: unknown } };
      const composition = typeof e.composition === 'object' && e.composition !== null ? new Composition(e.composition as Record<string, number>) : undefined;
      if (typeof e.energy !== 'number' || !Number.isFinite(e.energy) || composition === undefined) throw new Error(`${file}: entry '${symbol}' needs a numeric energy and a composition`);
      if (composition.elements.length !== 1 || composition.elements[0] !== symbol) throw new Error(`${file}: entry '${symbol}' is not a pure ${symbol} composition`);
      const correction = typeof e.correction === 'number' ? e.correction : 0;
      references.set(symbol, {
        symbol,
        energyPerAtom: (e.energy + correction) / composition.numAtoms,
        materialId: typeof e.data?.material_id === 'string' ? e.data.material_id : null,
      });
    }
    return new ElementalReferences(file, references);
  }

  get symbols(): string[] {
    return [...this.bySymbol.keys()];
  }

  has(symbol: string): boolean {
    return this.bySymbol.has(symbol);
  }

  /** eV per atom; throws naming the element when there is no reference for it. */
  energyPerAtom(symbol: string): number {
    const reference = this.bySymbol.get(symbol);
    if (reference === undefined) throw new Error(`no elemental reference energy for ${symbol} in ${this.source}`);
    return reference.energyPerAtom;
  }

  /** Σ over atoms of the elemental reference energies, eV: the energy of the composition as separate elements. */
  energyOfElements(composition: Composition): number {
    let total = 0;
    for (const [symbol, amount] of composition.amounts) total += amount * this.energyPerAtom(symbol);
    return total;
  }
}

export function defaultElementalReferencesPath(): string {
  return join(defaultDataRoot(), 'properties', 'mp_elemental_reference_entries.json.gz');
}
