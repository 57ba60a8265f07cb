/**
 * "Prepare a dataset" in the Training panel: a folder of CIF/POSCAR files in the workspace, or library rows (typed
 * ids, the favourites, or the Library's selection via "Train on selected") → the 'prepare-dataset' job. The result
 * names every structure left out with the reason, and the prepared folder becomes the training data.
 */
import { useState } from 'react';
import type { JobResult } from '../../../shared/api/jobs.ts';
import type { StudioBackend } from '../api/backend.ts';
import { checkDatasetForm, prepareParamsFor, visibleErrors, type DatasetForm } from './datasetForm.ts';
import { JobRun, useJobRun } from './jobRun.ts';
import { Field, NumberField } from './NumberField.tsx';
import { RunButtons } from './RunButtons.tsx';

type PrepareResult = JobResult<'prepare-dataset'>;

export interface DatasetPanelProps {
  backend: StudioBackend;
  form: DatasetForm;
  onFormChange: (form: DatasetForm) => void;
  run: JobRun<'prepare-dataset'>;
  /** Called with the dataset folder (as typed) when a preparation completes. */
  onPrepared: (datasetFolder: string) => void;
}

export function DatasetPanel({ backend, form, onFormChange, run, onPrepared }: DatasetPanelProps) {
  const state = useJobRun(run);
  const [touched, setTouched] = useState<ReadonlySet<keyof DatasetForm>>(new Set());
  const [attempted, setAttempted] = useState(false);
  const [startError, setStartError] = useState<string | null>(null);
  const [favouritesNote, setFavouritesNote] = useState<string | null>(null);
  const errors = visibleErrors(checkDatasetForm(form), touched, attempted);
  const set = <K extends keyof DatasetForm>(key: K, value: DatasetForm[K]) => {
    setTouched((t) => new Set([...t, key]));
    onFormChange({ ...form, [key]: value });
  };
  const result = state.phase === 'completed' ? (state.result as PrepareResult | undefined) : undefined;

  const start = async () => {
    setAttempted(true);
    setStartError(null);
    if (!backend.jobs) return setStartError('No engine is connected: datasets are prepared in the desktop app or behind `cfstudio serve`.');
    const first = Object.values(checkDatasetForm(form))[0];
    if (first) return setStartError(`Fix the form first: ${first}`);
    const out = form.out.trim();
    await run.start(backend.jobs, prepareParamsFor(form));
    // The job's own watch reports completion; hand the folder on once it is there.
    const unsubscribe = run.subscribe(() => {
      if (run.current.phase === 'completed') onPrepared(out);
      if (!run.active) unsubscribe();
    });
  };

  const useFavourites = async () => {
    if (!backend.library) return;
    try {
      const page = await backend.library.query({ favourite: true, sort: { by: 'id', direction: 'asc' }, limit: 10_000, offset: 0 });
      set('ids', page.rows.map((r) => r.id).join(', '));
      setFavouritesNote(page.total === 0 ? 'No favourites yet: star rows in the Library or the results grid.' : `${page.total} favourite${page.total === 1 ? '' : 's'}.`);
    } catch (error) {
      setFavouritesNote(`Could not read the favourites: ${(error as Error).message}`);
    }
  };

  return (
    <section className="panel dataset-form" aria-label="Prepare a dataset">
      <h3>1 · Dataset from your structures</h3>
      <div className="settings-form">
        <fieldset className="field source-choice">
          <legend className="field-label">Structures</legend>
          <label className="check">
            <input type="radio" name="dataset-source" checked={form.source === 'folder'} onChange={() => set('source', 'folder')} /> a folder of CIF/POSCAR files
          </label>
          <label className="check">
            <input type="radio" name="dataset-source" checked={form.source === 'library'} onChange={() => set('source', 'library')} /> library rows
          </label>
        </fieldset>
        {form.source === 'folder' ? (
          <Field label="Folder" hint="inside the workspace; every *.cif (each data block), *.vasp, POSCAR* and CONTCAR* file in it" error={errors.folder ?? null}>
            {({ id, describedBy }) => (
              <input id={id} value={form.folder} placeholder="e.g. structures/mine" aria-invalid={errors.folder !== undefined} aria-describedby={describedBy} onChange={(e) => set('folder', e.target.value)} />
            )}
          </Field>
        ) : (
          <Field label="Library rows" hint="row ids and ranges, or select rows in the Library and choose “Train on selected”" error={errors.ids ?? null}>
            {({ id, describedBy }) => (
              <div className="inline-input">
                <input id={id} value={form.ids} placeholder="e.g. 12, 15-20" aria-invalid={errors.ids !== undefined} aria-describedby={describedBy} onChange={(e) => set('ids', e.target.value)} />
                <button type="button" onClick={useFavourites} disabled={!backend.library}>
                  Favourites
                </button>
              </div>
            )}
          </Field>
        )}
        {form.source === 'library' && favouritesNote && <p className="hint">{favouritesNote}</p>}
        <Field label="Dataset folder" hint="a new folder inside the workspace" error={errors.out ?? null}>
          {({ id, describedBy }) => (
            <input id={id} value={form.out} aria-invalid={errors.out !== undefined} aria-describedby={describedBy} onChange={(e) => set('out', e.target.value)} />
          )}
        </Field>
        <NumberField
          label="Validation share (%)"
          value={form.valPercent}
          step={5}
          hint="held out to measure the model on structures it does not train on"
          error={errors.valPercent ?? null}
          onChange={(v) => set('valPercent', v)}
        />
      </div>
      <div className="run-row">
        <RunButtons run={run} onStart={start} startLabel="Prepare dataset" cancelLabel="Cancel" cancellingLabel="Cancelling…" />
        {run.active && state.progress?.message && (
          <span className="hint" role="status">
            {state.progress.message}
          </span>
        )}
      </div>
      {startError && (
        <p className="error" role="alert" data-testid="dataset-error">
          {startError}
        </p>
      )}
      {state.phase === 'failed' && state.error && (
        <p className="error" role="alert" data-testid="dataset-error">
          The dataset could not be prepared: {state.error}
        </p>
      )}
      {result && <PreparedSummary result={result} />}
    </section>
  );
}

function PreparedSummary({ result }: { result: PrepareResult }) {
  return (
    <div data-testid="dataset-outcome">
      <p className="hint" role="status">
        Prepared {result.train + result.val} of {result.structures} structures: {result.train} for training, {result.val} for validation, in{' '}
        <span className="mono">{result.outDir}</span> (now the training data below).
      </p>
      {result.skipped.length > 0 && (
        <table className="dense skipped-table">
          <caption>Left out ({result.skipped.length})</caption>
          <thead>
            <tr>
              <th scope="col">Structure</th>
              <th scope="col">Reason</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {result.skipped.slice(0, 200).map((s, i) => (
              <tr key={`${s.source}-${i}`} data-testid="dataset-skipped">
                <td className="mono">{s.source}</td>
                <td>{s.reason}</td>
                <td>{s.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
