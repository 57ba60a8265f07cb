/**
 * How library rows print their predicted properties (with ± when the predictor gave an uncertainty), their run and
 * their prompt. Pure, unit-tested in tests/renderer/library-query.test.ts.
 */
import type { LibraryRow } from '../../api/backend.ts';

/** Units of the shipped predictors' properties (models/predictor-*). */
const PROPERTY_UNITS: Record<string, string> = {
  band_gap: 'eV',
  band_gap_megnet: 'eV',
  band_gap_megnet_gllb_sc: 'eV',
  band_gap_megnet_hse: 'eV',
  band_gap_megnet_scan: 'eV',
  formation_energy: 'eV/atom',
  formation_energy_per_atom: 'eV/atom',
  dielectric: '',
};

export interface PropertyValue {
  name: string;
  value: number;
  /** ± half-width of the calibrated band, when stored. */
  halfWidth: number | null;
  unit: string;
}

function finite(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/**
 * A stored property: a number, or `{ value, halfWidth }` / `{ value, uncertainty: { halfWidth } }` (the predict
 * job's shape). Anything else is not a predicted value and is skipped.
 */
export function propertyValue(name: string, stored: unknown): PropertyValue | null {
  const unit = PROPERTY_UNITS[name] ?? '';
  if (finite(stored)) return { name, value: stored, halfWidth: null, unit };
  if (stored && typeof stored === 'object' && finite((stored as { value?: unknown }).value)) {
    const record = stored as { value: number; halfWidth?: unknown; uncertainty?: { halfWidth?: unknown } | null };
    const halfWidth = finite(record.halfWidth) ? record.halfWidth : finite(record.uncertainty?.halfWidth) ? record.uncertainty!.halfWidth! : null;
    return { name, value: record.value, halfWidth, unit };
  }
  return null;
}

export function propertyValues(properties: LibraryRow['properties']): PropertyValue[] {
  return Object.entries(properties)
    .map(([name, stored]) => propertyValue(name, stored))
    .filter((p): p is PropertyValue => p !== null);
}

/** 'band gap 3.10 ± 0.42 eV'. */
export function formatProperty(p: PropertyValue): string {
  return `${p.name.replace(/_/g, ' ')} ${p.value.toFixed(2)}${p.halfWidth !== null ? ` ± ${p.halfWidth.toFixed(2)}` : ''}${p.unit ? ` ${p.unit}` : ''}`;
}

const RUN_KIND_LABEL: Record<string, string> = { finetune: 'RL', generate: 'generate', mcmc: 'MCMC', import: 'import', evaluate: 'evaluate', predict: 'predict', train: 'train' };

/** 'RL run #3' / 'generate run #12', or null for a row without a run. */
export function runLabel(row: Pick<LibraryRow, 'run' | 'runId'>): string | null {
  if (row.runId === null) return null;
  return `${row.run ? (RUN_KIND_LABEL[row.run.kind] ?? row.run.kind) : 'run'} #${row.runId}`;
}

/** 'SG 225 · a b · Na Cl' (space group, Wyckoff letters, elements), or null without a prompt. */
export function promptLabel(row: Pick<LibraryRow, 'prompt'>): string | null {
  const p = row.prompt;
  if (!p) return null;
  const parts = [p.spaceGroup !== null ? `SG ${p.spaceGroup}` : 'any SG', p.wyckoff?.length ? p.wyckoff.join(' ') : null, p.elements.length ? p.elements.join(' ') : null];
  return parts.filter(Boolean).join(' · ');
}
