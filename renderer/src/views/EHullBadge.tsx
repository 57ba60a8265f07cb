/**
 * E_hull as the results grid and the library show it: the number in eV/atom, labelled with what it was measured
 * on ("single point" on the structure as generated, or "relaxed"), on a colour scale from green (on or below the
 * hull, ≤ 0) through yellow to red (≥ 0.2 eV/atom, far above it).
 */
import type { StabilityScore } from '../api/backend.ts';

/** The scale's ends in eV/atom: at or below the low end green, at or above the high end red. */
export const EHULL_SCALE = { green: 0, red: 0.2 } as const;

/** A colour for an E_hull on the scale: hue 120° (green) → 0° (red), linear in between. */
export function eHullColour(eHull: number): string {
  const t = Math.min(1, Math.max(0, (eHull - EHULL_SCALE.green) / (EHULL_SCALE.red - EHULL_SCALE.green)));
  return `hsl(${Math.round(120 * (1 - t))}, 70%, 88%)`;
}

export const ENERGY_KIND_LABEL = { 'single-point': 'single point', relaxed: 'relaxed' } as const;

export function EHullBadge({ score }: { score: Pick<StabilityScore, 'kind' | 'eHull' | 'error'> }) {
  const label = ENERGY_KIND_LABEL[score.kind];
  if (score.eHull === null) {
    return (
      <span className="badge ehull none" title={score.error ?? 'no E_hull'} data-testid="ehull">
        E<sub>hull</sub> — ({label})
      </span>
    );
  }
  return (
    <span
      className="badge ehull"
      style={{ background: eHullColour(score.eHull) }}
      title={`Energy above the partial MP hull (MP-20 + MPTS-52 entries), M3GNet ${label}; green ≤ ${EHULL_SCALE.green}, red ≥ ${EHULL_SCALE.red} eV/atom`}
      data-testid="ehull"
      data-ehull={score.eHull}
      data-kind={score.kind}
    >
      E<sub>hull</sub> {score.eHull.toFixed(3)} eV/atom ({label})
    </span>
  );
}
