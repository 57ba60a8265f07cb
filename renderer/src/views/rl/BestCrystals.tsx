/**
 * The best crystals of the run so far: a table (one row per crystal, columns declared in BEST_COLUMNS so another
 * column — e.g. a relaxed E_hull — is one entry more) and the result cards, whose star, export and relax act on
 * the library rows the job stores as crystals enter the list.
 */
import type { FinetuneCandidate } from '../../../../shared/api/jobs.ts';
import type { Candidate, StudioBackend } from '../../api/backend.ts';
import { formatValue } from '../../charts/chartData.ts';
import { Formula } from '../../ui/Formula.tsx';
import { PredictionValue } from '../../ui/PredictionList.tsx';
import { propertyLabel } from '../../ui/predictionText.ts';
import { ResultsGrid } from '../ResultsGrid.tsx';
import type { RlDashboard } from './rlDashboard.ts';

export interface BestColumn {
  key: string;
  header: string;
  /** Tooltip of the header. */
  title?: string;
  numeric?: boolean;
  cell: (c: FinetuneCandidate) => React.ReactNode;
}

const BEFORE_PREDICTIONS: BestColumn[] = [
  { key: 'rank', header: '#', numeric: true, cell: (c) => c.rank },
  { key: 'formula', header: 'formula', cell: (c) => <Formula formula={c.formula} /> },
  { key: 'spaceGroup', header: 'space group', numeric: true, cell: (c) => c.spaceGroup },
  { key: 'reward', header: 'reward', numeric: true, cell: (c) => formatValue(c.reward) },
];

const AFTER_PREDICTIONS: BestColumn[] = [
  { key: 'terms', header: 'reward terms', cell: (c) => <span className="mono">{Object.entries(c.terms).map(([k, v]) => `${k} ${formatValue(v)}`).join(', ')}</span> },
  {
    key: 'checks',
    header: 'checks',
    title: 'strict compositional rule and contacts ≥ ½(rᵢ + rⱼ)',
    cell: (c) => (c.strictComposition === undefined ? '–' : `${c.strictComposition ? 'charge-balanced' : 'NOT charge-balanced (strict)'}${c.plausibleContacts === false ? ', atoms too close' : ''}`),
  },
  {
    key: 'relaxedEHull',
    header: 'relaxed E_hull',
    title: 'E_hull (eV/atom) after relaxing with the potential, space group kept; computed when a run with an E_hull reward ends',
    numeric: true,
    cell: (c) => (c.relaxedEHull === undefined ? '–' : c.relaxedEHull === null ? 'failed' : formatValue(c.relaxedEHull)),
  },
  { key: 'step', header: 'step', numeric: true, cell: (c) => c.step },
];

/** One column per predicted property the candidates carry: the value with its calibrated 68 % ± (issue #18). */
export function predictionColumns(best: readonly FinetuneCandidate[]): BestColumn[] {
  const names: string[] = [];
  const units = new Map<string, string>();
  for (const c of best) {
    for (const [name, p] of Object.entries(c.predictions ?? {})) {
      if (!units.has(name)) names.push(name);
      units.set(name, p.unit);
    }
  }
  return names.map((name) => ({
    key: `prediction:${name}`,
    header: `${propertyLabel(name)}${units.get(name) ? ` (${units.get(name)})` : ''} ± 68 %`,
    title: 'predicted by the shipped model on the stored crystal; ± its calibrated held-out spread',
    numeric: true,
    cell: (c: FinetuneCandidate) => {
      const p = c.predictions?.[name];
      return p ? <PredictionValue prediction={{ ...p, unit: '' }} /> : '–';
    },
  }));
}

export function bestColumns(best: readonly FinetuneCandidate[]): BestColumn[] {
  // The relaxed E_hull exists only for runs whose reward uses the potential's E_hull (set when such a run ends).
  const relaxed = best.some((c) => c.relaxedEHull !== undefined);
  return [...BEFORE_PREDICTIONS, ...predictionColumns(best), ...AFTER_PREDICTIONS.filter((c) => relaxed || c.key !== 'relaxedEHull')];
}

export function BestCrystals({ backend, dashboard, onOpen }: { backend: StudioBackend; dashboard: RlDashboard; onOpen: (c: Candidate) => void }) {
  const best = dashboard.best;
  const columns = bestColumns(best);
  return (
    <section className="panel rl-best" aria-label="Best crystals">
      <h3>Best crystals so far</h3>
      {best.length === 0 ? (
        <p className="hint">None yet: valid crystals with the highest rewards appear here as the run finds them.</p>
      ) : (
        <table className="rl-best-table" data-testid="rl-best-table">
          <thead>
            <tr>
              {columns.map((col) => (
                <th key={col.key} scope="col" title={col.title} data-column={col.key}>
                  {col.header}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {best.map((c) => (
              <tr key={c.rank}>
                {columns.map((col) => (
                  <td key={col.key} className={col.numeric ? 'num' : undefined} data-column={col.key}>
                    {col.cell(c)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ResultsGrid candidates={dashboard.bestCandidates()} onOpen={onOpen} library={backend.library} onFavourite={(id, favourite) => dashboard.setFavourite(id, favourite)} />
    </section>
  );
}
