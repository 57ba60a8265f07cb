/**
 * Settings: which execution providers this build has and whether they are usable here (and why not), which one
 * each workload would run on, the workspace's providers preference, and which provider recent jobs ran on.
 * The same facts as `cfstudio doctor`; the preference is read by the engine host at the start of every job.
 */
import { useCallback, useEffect, useState } from 'react';
import type { ProviderDiagnostics } from '../../../shared/api/contract.ts';
import type { JobInfo } from '../../../shared/api/jobs.ts';
import type { StudioBackend } from '../api/backend.ts';

const PRESETS = ['auto', 'cpu', 'webgpu,cpu', 'cuda,cpu'] as const;
const RECENT_JOBS = 10;

function describeJobProviders(job: JobInfo): string {
  const used = Object.entries(job.providers ?? {});
  return used.length ? used.map(([workload, provider]) => `${workload} on ${provider}`).join(', ') : 'no model sessions recorded';
}

export function SettingsView({ backend }: { backend: StudioBackend }) {
  const [facts, setFacts] = useState<ProviderDiagnostics | null>(null);
  const [jobs, setJobs] = useState<JobInfo[]>([]);
  const [choice, setChoice] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const load = useCallback(() => {
    if (!backend.settings) return;
    backend.settings.providers().then(
      (f) => {
        setFacts(f);
        setChoice(f.preference);
      },
      (e: unknown) => setError((e as Error).message),
    );
    backend.jobs?.list().then(
      (list) => setJobs([...list].sort((a, b) => b.createdAt - a.createdAt).slice(0, RECENT_JOBS)),
      (e: unknown) => setError((e as Error).message),
    );
  }, [backend]);

  useEffect(load, [load]);

  const save = async () => {
    if (!backend.settings) return;
    setSaving(true);
    setError(null);
    setSaved(null);
    try {
      const f = await backend.settings.setProviders(choice);
      setFacts(f);
      setChoice(f.preference);
      setSaved(f.preference);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setSaving(false);
    }
  };

  if (!backend.settings) {
    return (
      <section className="settings">
        <h2>Settings</h2>
        <p className="hint">No engine is connected: provider settings need the desktop app or `cfstudio serve`.</p>
      </section>
    );
  }

  return (
    <section className="settings" aria-label="Settings">
      <h2>Execution providers</h2>
      {facts && (
        <p>
          onnxruntime {facts.onnxruntime.version} (onnxruntime-node {facts.onnxruntime.package}); build lists{' '}
          {facts.onnxruntime.backends.map((b) => `${b.name}${b.bundled ? '' : ' (plug-in)'}`).join(', ')}.
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {facts && (
        <>
          <table aria-label="Providers">
            <thead>
              <tr>
                <th scope="col">Provider</th>
                <th scope="col">Status</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {facts.statuses.map((s) => (
                <tr key={s.provider} data-provider={s.provider}>
                  <td>{s.provider}</td>
                  <td>{s.usable ? 'available' : 'unavailable'}</td>
                  <td>{s.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>Workloads</h3>
          <table aria-label="Workloads">
            <thead>
              <tr>
                <th scope="col">Workload</th>
                <th scope="col">Provider</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {facts.workloads.map((w) => (
                <tr key={w.workload} data-workload={w.workload}>
                  <td>{w.workload}</td>
                  <td>{w.provider}</td>
                  <td>{w.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>Preference</h3>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void save();
            }}
          >
            <label>
              Providers{' '}
              <input
                name="providers"
                list="provider-presets"
                value={choice}
                onChange={(e) => setChoice(e.target.value)}
                aria-describedby="providers-help"
                spellCheck={false}
              />
            </label>
            <datalist id="provider-presets">
              {PRESETS.map((p) => (
                <option key={p} value={p} />
              ))}
            </datalist>{' '}
            <button type="submit" disabled={saving || choice.trim() === ''}>
              Save
            </button>
            <p id="providers-help" className="hint">
              'auto' uses a GPU provider only for workloads where its probe beat the CPU; a list such as 'webgpu,cpu' is tried in order (CPU is
              always the last resort). Stored in the workspace ({facts.preferenceSource === 'workspace' ? 'set here' : 'not set here: the engine host’s start choice'}); applies to new jobs.
            </p>
            {saved !== null && <p role="status">Saved: {saved}</p>}
          </form>
          <p className="hint">Probe results: {facts.probeCache}</p>
        </>
      )}
      <h3>Recent jobs</h3>
      {jobs.length === 0 ? (
        <p className="hint">None yet.</p>
      ) : (
        <ul aria-label="Recent jobs">
          {jobs.map((job) => (
            <li key={job.id}>
              {job.type} {job.id} ({job.status}): {describeJobProviders(job)}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
