/**
 * A crystal's plausibility at a glance, on result cards and library rows: one verdict badge ("plausible" only when
 * every contact is at least half the radii sum AND the charges balance), then the shortest contact over the radii
 * sum (red below 0.5, amber when tight), the guessed oxidation states, and the density.
 */
import { isPlausible, type CrystalPlausibility } from '../../../shared/api/plausibility.ts';
import { CONTACT_BANDS, chargeSummary, contactLevel } from './plausibility.ts';

const LEVEL_CLASS = { clash: 'bad', tight: 'warn', ok: 'ok', unknown: 'none' } as const;

export function PlausibilityBadges({
  plausibility,
  minDistance,
  compact = false,
  showDensity = true,
}: {
  plausibility: CrystalPlausibility | null | undefined;
  minDistance?: number | null | undefined;
  /** 'implausible' without the reasons (they stay in the tooltip). */
  compact?: boolean;
  /** The library shows density in its own column. */
  showDensity?: boolean;
}) {
  if (!plausibility) {
    return (
      <span className="badges" data-testid="plausibility">
        <span className="badge none" title="Plausibility not checked (the structure could not be read back)">
          not checked
        </span>
      </span>
    );
  }
  const plausible = isPlausible(plausibility);
  const level = contactLevel(plausibility.contactRatio);
  const charge = chargeSummary(plausibility);
  const distance = minDistance !== undefined && minDistance !== null && Number.isFinite(minDistance) ? `; shortest distance ${minDistance.toFixed(2)} Å` : '';
  const why = [!plausibility.contactsPlausible ? 'atoms too close' : null, !plausibility.chargeBalanced ? 'charges do not balance' : null].filter(Boolean).join(', ');
  return (
    <span className="badges" data-testid="plausibility" data-plausible={plausible}>
      <span
        className={`badge ${plausible ? 'ok' : 'bad'}`}
        data-testid="plausibility-verdict"
        title={plausible ? 'Every contact ≥ 0.5 (r_i + r_j) and charge balanced with common oxidation states' : `Implausible: ${why}`}
      >
        {plausible ? 'plausible' : compact ? 'implausible' : `implausible: ${why}`}
      </span>
      <span
        className={`badge ${LEVEL_CLASS[level]}`}
        data-testid="contact-ratio"
        data-level={level}
        title={`Shortest contact over the sum of the two atoms' radii (Slater): below ${CONTACT_BANDS.clash} atoms overlap, below ${CONTACT_BANDS.tight} tight${distance}`}
      >
        d/Σr {plausibility.contactRatio === null ? '—' : plausibility.contactRatio.toFixed(2)}
      </span>
      <span className={`badge ${plausibility.chargeBalanced ? 'ok' : 'bad'}`} data-testid="charge-balance" title={charge.title}>
        {charge.label}
      </span>
      {showDensity && (
        <span className="badge none" data-testid="density" title="Density">
          {plausibility.density.toFixed(2)} g/cm³
        </span>
      )}
    </span>
  );
}
