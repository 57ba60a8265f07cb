import type { Candidate } from '../api/backend.ts';

/** Generated candidates as compact cards; each opens in the Viewer. */
export function ResultsGrid({ candidates, onOpen }: { candidates: readonly Candidate[]; onOpen: (c: Candidate) => void }) {
  return (
    <section className="panel results" aria-label="Results">
      <h3>Results {candidates.length > 0 ? `(${candidates.length})` : ''}</h3>
      {candidates.length === 0 ? (
        <p className="hint">No candidates yet. Generated structures appear here as they are sampled.</p>
      ) : (
        <ul className="results-grid">
          {candidates.map((c) => (
            <li key={c.id} className="result-card">
              <span className="formula">{c.formula}</span>
              <span className="hint">
                SG {c.spaceGroup} · {c.structure.sites.length} atoms
                {c.logLikelihood !== undefined ? ` · log p ${c.logLikelihood.toFixed(2)}` : ''}
              </span>
              <button type="button" onClick={() => onOpen(c)}>
                View
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
