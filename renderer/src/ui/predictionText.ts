/**
 * A predicted property as text with its calibrated uncertainty (issue #18): "3.12 ± 0.45 eV", or for a model that
 * learned in log space (the dielectric constant: interval value·e^(±w), not symmetric) "12.3 +6.3/−4.2". The value
 * gets as many decimals as two significant digits of the uncertainty need, so the two always match.
 */
import type { PropertyPrediction } from '../../../shared/api/jobs.ts';

const LABELS: Record<string, string> = {
  band_gap: 'band gap',
  formation_energy: 'formation energy',
  dielectric_total: 'ε total',
  band_gap_megnet: 'band gap (MEGNet PBE)',
  band_gap_megnet_gllb_sc: 'band gap (MEGNet GLLB-SC)',
  band_gap_megnet_hse: 'band gap (MEGNet HSE)',
  band_gap_megnet_scan: 'band gap (MEGNet SCAN)',
};

/** Words for a predictor name: 'band_gap' → 'band gap'. */
export function propertyLabel(name: string): string {
  return LABELS[name] ?? name.replace(/_/g, ' ');
}

/** Symbols for narrow places (result cards); the words go into the tooltip. */
const SYMBOLS: Record<string, string> = {
  band_gap: 'E_g',
  formation_energy: 'E_f',
  dielectric_total: 'ε',
  band_gap_megnet: 'E_g PBE',
  band_gap_megnet_gllb_sc: 'E_g GLLB',
  band_gap_megnet_hse: 'E_g HSE',
  band_gap_megnet_scan: 'E_g SCAN',
};

export function propertySymbol(name: string): string {
  return SYMBOLS[name] ?? propertyLabel(name);
}

/** Decimals showing two significant digits of `spread` (2 without one), between 0 and 4. */
export function decimalsFor(spread: number | undefined): number {
  if (spread === undefined || !(spread > 0) || !Number.isFinite(spread)) return 2;
  return Math.min(4, Math.max(0, 1 - Math.floor(Math.log10(spread))));
}

const minus = (text: string) => text.replace(/^-/, '−');

export interface PredictionText {
  /** e.g. "3.12 ± 0.45 eV"; "—" without a value. */
  text: string;
  /** The same without the unit ("3.12 ± 0.45"), and the unit ('' = dimensionless or no value). */
  number: string;
  unit: string;
  /** The interval in words, for a tooltip; null without an uncertainty. */
  interval: string | null;
}

export function predictionText(p: PropertyPrediction): PredictionText {
  const unit = p.unit ? ` ${p.unit}` : '';
  if (p.value === null || !Number.isFinite(p.value)) return { text: '—', number: '—', unit: '', interval: null };
  const u = p.uncertainty ?? null;
  if (!u) return { text: `${minus(p.value.toFixed(2))}${unit}`, number: minus(p.value.toFixed(2)), unit: p.unit, interval: null };
  const above = u.upper - p.value;
  const below = p.value - u.lower;
  const symmetric = Math.abs(above - below) <= 0.02 * Math.max(above, below);
  const digits = decimalsFor(symmetric ? u.halfWidth : Math.min(above, below));
  const value = minus(p.value.toFixed(digits));
  const number = symmetric ? `${value} ± ${u.halfWidth.toFixed(digits)}` : `${value} +${above.toFixed(digits)}/−${below.toFixed(digits)}`;
  const interval = `68 % interval ${minus(u.lower.toFixed(digits))} to ${minus(u.upper.toFixed(digits))}${unit}, calibrated on held-out residuals (wider for crystals unlike the held-out set)`;
  return { text: `${number}${unit}`, number, unit: p.unit, interval };
}
