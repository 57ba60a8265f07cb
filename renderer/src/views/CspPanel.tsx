/**
 * Structure prediction from a formula, in the Generate view: the 'csp' engine job (electron/host/jobs/csp.ts, the
 * same code as `cfstudio csp`) samples crystals with exactly the formula × Z, merges duplicates and ranks them by
 * the potential's energy per atom (or the model's log-likelihood without a potential). The ranked list shows the
 * energies; each row opens its structure in the Viewer.
 */
import { useSyncExternalStore } from 'react';
import { isFinished, type CspCandidateOutput, type JobInfo, type JobResult } from '../../../shared/api/jobs.ts';
import { readCifStructure } from '../../../shared/io/index.ts';
import type { Candidate, StudioBackend } from '../api/backend.ts';
import type { JobWatch } from '../api/jobs.ts';
import { type CspForm, DEFAULT_FORM, cspParamsFromForm } from './cspForm.ts';

const fixed = (x: number | null, digits: number) => (x === null ? '—' : x.toFixed(digits));

/** The ranked candidate as a Viewer candidate: the structure read from the job's CIF. */
function candidateOf(row: CspCandidateOutput): Candidate {
  const structure = readCifStructure(row.cif, { fileName: `rank-${row.rank}.cif` }).structure;
  return {
    id: `csp-${row.rank}-${row.formula}`,
    formula: row.formula,
    spaceGroup: row.spaceGroup,
    spaceGroupFound: row.spaceGroup,
    structure: { lattice: structure.lattice.matrix, sites: structure.sites.map((site) => ({ ...site })) },
    logLikelihood: row.logp,
    index: row.rank,
    wyckoffLabel: row.wyckoff,
  };
}

interface CspPanelState {
  form: CspForm;
  rows: CspCandidateOutput[];
  status: string | null;
  error: string | null;
  running: boolean;
}

/**
 * The panel's state outlives the panel: opening a row in the Viewer unmounts the Generate view, and a running job
 * keeps streaming here, so coming back shows the list (and the form) as they are.
 */
class CspSession {
  private state: CspPanelState = { form: DEFAULT_FORM, rows: [], status: null, error: null, running: false };
  private readonly listeners = new Set<() => void>();
  watch: JobWatch | null = null;
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
  snapshot = (): CspPanelState => this.state;
  set(update: Partial<CspPanelState> | ((state: CspPanelState) => Partial<CspPanelState>)): void {
    this.state = { ...this.state, ...(typeof update === 'function' ? update(this.state) : update) };
    for (const listener of this.listeners) listener();
  }
}

const session = new CspSession();

export function CspPanel({ backend, onOpen }: { backend: StudioBackend; onOpen: (candidate: Candidate) => void }) {
  const { form, rows, status, error, running } = useSyncExternalStore(session.subscribe, session.snapshot);
  const setForm = (next: CspForm) => session.set({ form: next });
  const jobs = backend.jobs;

  const start = async () => {
    const params = cspParamsFromForm(form);
    if (typeof params === 'string') {
      session.set({ error: params });
      return;
    }
    if (!jobs) {
      session.set({ error: 'Structure prediction needs the engine (the desktop app or cfstudio serve)' });
      return;
    }
    session.set({ rows: [], error: null, status: 'starting…', running: true });
    try {
      session.watch = await jobs.start('csp', params, {
        onOutput: (item) => session.set((state) => ({ rows: [...state.rows, item] })),
        onState: (job: JobInfo) => {
          if (job.progress && !isFinished(job.status)) session.set({ status: `${job.progress.message ?? 'working'} ${job.progress.done}/${job.progress.total}` });
        },
        onFinished: (job: JobInfo) => {
          session.watch = null;
          if (job.status === 'completed') {
            const result = job.result as JobResult<'csp'>;
            session.set({
              running: false,
              status: `${result.formula}: ${result.sampled} sampled, ${result.distinct} distinct; ranked by ${result.ranking}${result.potential ? ` (${result.potential})` : ''}${result.note ? ` — ${result.note}` : ''}`,
            });
          } else {
            session.set({ running: false, status: null, error: job.status === 'failed' ? (job.error ?? 'the job failed') : `run ${job.status}` });
          }
        },
      });
    } catch (e) {
      session.set({ running: false, status: null, error: e instanceof Error ? e.message : String(e) });
    }
  };

  const text = (key: 'formula' | 'z' | 'spaceGroup' | 'samples', label: string, placeholder: string) => (
    <label className="field">
      <span>{label}</span>
      <input value={form[key]} placeholder={placeholder} onChange={(e) => setForm({ ...form, [key]: e.target.value })} />
    </label>
  );

  return (
    <section className="panel csp-panel" aria-label="Formula (structure prediction)">
      <h3>Formula (structure prediction)</h3>
      <p className="hint">Samples only crystals with exactly this formula × Z (empty Z: up to 80 atoms per cell; empty group: the model weighs the groups), merges duplicates and ranks them by the potential's energy per atom, best first.</p>
      <div className="settings-form">
        {text('formula', 'Formula', 'e.g. Li3PS4')}
        {text('z', 'Z (formula units per cell)', 'any')}
        {text('spaceGroup', 'Space group number', 'model chooses')}
        {text('samples', 'Crystals to sample', '200')}
        <label className="field">
          <span>Relax with the potential</span>
          <input type="checkbox" checked={form.relax} onChange={(e) => setForm({ ...form, relax: e.target.checked })} />
        </label>
      </div>
      <div className="run-row">
        <button type="button" className="primary" onClick={() => void start()} disabled={running}>
          Predict structures
        </button>
        <button type="button" onClick={() => void session.watch?.cancel()} disabled={!running}>
          Cancel prediction
        </button>
      </div>
      {status && (
        <p className="hint" role="status" data-testid="csp-status">
          {status}
        </p>
      )}
      {error && (
        <p className="error" role="alert" data-testid="csp-error">
          {error}
        </p>
      )}
      {rows.length > 0 && (
        <table className="csp-results" data-testid="csp-results">
          <thead>
            <tr>
              <th>Rank</th>
              <th>Formula</th>
              <th>Space group</th>
              <th>Z</th>
              <th>E/atom (eV)</th>
              <th>E_hull (eV/atom)</th>
              <th>log p</th>
              <th>Seen</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.rank} data-testid="csp-row">
                <td>{row.rank}</td>
                <td data-testid="csp-formula">{row.formula}</td>
                <td>
                  {row.spaceGroup} {row.spaceGroupSymbol}
                </td>
                <td>{row.z}</td>
                <td>{fixed(row.energyPerAtom, 4)}</td>
                <td>{fixed(row.eHull, 4)}</td>
                <td>{row.logp.toFixed(1)}</td>
                <td>{row.samplesMatched}</td>
                <td>
                  <button type="button" onClick={() => onOpen(candidateOf(row))}>
                    Open in viewer
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
