/**
 * The application shell: a top bar with the views (Generate, Viewer, Library, MCMC, RL, Training, Settings), the backend
 * status, and the active view. Alt+1…7 switch views from anywhere.
 */
import { useCallback, useEffect, useState } from 'react';
import moyoWasmUrl from '@spglib/moyo-wasm/moyo_wasm_bg.wasm?url';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import type { Candidate, MenuCommand, StudioBackend } from './api/backend.ts';
import { parseRoute, routeHash, VIEWS, type ViewId } from './route.ts';
import { GenerateView, type GenerateSession } from './views/GenerateView.tsx';
import { loadPrompt, savePrompt } from './prompt/promptState.ts';
import { DEFAULT_RESULTS_VIEW } from './views/ResultsGrid.tsx';
import { LibraryView } from './views/LibraryView.tsx';
import { McmcDashboard, McmcView } from './views/McmcView.tsx';
import { TrainingDashboard, TrainingView } from './views/TrainingView.tsx';
import { RlDashboard, RlView } from './views/RlView.tsx';
import { SettingsView } from './views/SettingsView.tsx';
import { ViewerView, type OpenedStructure } from './views/ViewerView.tsx';
import { PotentialActions } from './views/potentialRun.ts';
import { promptSitesFor, type StructureTemplate, type TemplateChoice } from './views/structureTemplate.ts';
import type { TemplateTarget } from './views/TemplateAction.tsx';

export type SymmetryState = { status: 'loading' } | { status: 'ready' } | { status: 'failed'; message: string };

export function App({ backend }: { backend: StudioBackend }) {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  const [symmetry, setSymmetry] = useState<SymmetryState>({ status: 'loading' });
  const [candidates, setCandidates] = useState<Candidate[]>([]);
  const [openedCandidate, setOpenedCandidate] = useState<Candidate | null>(null);
  const [openedFiles, setOpenedFiles] = useState<OpenedStructure[]>([]);
  // Dashboards keep their job, chart and results while another view is shown.
  const [mcmcDashboard] = useState(() => new McmcDashboard());
  const [trainingDashboard] = useState(() => new TrainingDashboard());
  const [rlDashboard] = useState(() => new RlDashboard());
  const [potentialActions] = useState(() => new PotentialActions());
  // The Generate prompt and the results' sort and filters stay for the session; the prompt also across restarts.
  const [generateSession, setGenerateSession] = useState<GenerateSession>(() => ({ prompt: loadPrompt(), resultsPrompt: null, resultsView: DEFAULT_RESULTS_VIEW }));
  useEffect(() => savePrompt(generateSession.prompt), [generateSession.prompt]);
  // The Viewer tab returns to the structure last shown there (its URL parameters), not to the first example.
  const [viewerParams, setViewerParams] = useState<Record<string, string>>({});
  useEffect(() => {
    if (route.view === 'viewer' && route.params.toString() !== '') setViewerParams(Object.fromEntries(route.params));
  }, [route]);
  // Each view opens at its top, not at the scroll position the previous view left.
  useEffect(() => {
    window.scrollTo(0, 0);
    document.getElementById('main')?.scrollTo(0, 0);
  }, [route.view]);

  useEffect(() => {
    const onHash = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    initSymmetry({ wasmUrl: new URL(moyoWasmUrl, window.location.href) }).then(
      () => setSymmetry({ status: 'ready' }),
      (error: unknown) => setSymmetry({ status: 'failed', message: (error as Error).message }),
    );
  }, []);

  const go = useCallback((view: ViewId, params?: Record<string, string>) => {
    window.location.hash = routeHash(view, params);
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const view = VIEWS.find((v) => v.key === e.key);
      if (view) {
        e.preventDefault();
        go(view.id, view.id === 'viewer' ? viewerParams : undefined);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [go, viewerParams]);

  const openCandidate = useCallback(
    (candidate: Candidate) => {
      setOpenedCandidate(candidate);
      go('viewer', { candidate: candidate.id });
    },
    [go],
  );

  // "Use as template" (Viewer, Library): the crystal's group and sites become the MCMC template or the Generate prompt.
  const useAsTemplate = useCallback(
    (template: StructureTemplate, choice: TemplateChoice, target: TemplateTarget) => {
      if (target === 'mcmc') {
        mcmcDashboard.useTemplate(template, choice);
        go('mcmc');
        return;
      }
      setGenerateSession((s) => ({ ...s, prompt: { ...s.prompt, spaceGroup: template.spaceGroup, anyGroup: false, sites: promptSitesFor(template, choice), allowed: [], completePrompt: true } }));
      go('generate');
    },
    [go, mcmcDashboard],
  );
  const templateFromLibrary = useCallback(
    (candidate: Candidate) => {
      setOpenedCandidate(candidate);
      go('viewer', { candidate: candidate.id, template: '1' });
    },
    [go],
  );
  // Desktop File menu: Import Structures… and Export Selection… are carried out by the Library view.
  const [menuCommand, setMenuCommand] = useState<MenuCommand | null>(null);
  useEffect(
    () =>
      backend.onMenuCommand?.((command) => {
        setMenuCommand(command);
        go('library');
      }),
    [backend, go],
  );
  const trainOnLibraryRows = useCallback(
    (ids: number[]) => {
      trainingDashboard.useLibrarySelection(ids);
      go('training');
    },
    [go, trainingDashboard],
  );

  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">CrystalFormer Studio</span>
        <nav aria-label="Views">
          <ul className="tabs">
            {VIEWS.map((v) => (
              <li key={v.id}>
                <a href={routeHash(v.id, v.id === 'viewer' ? viewerParams : undefined)} aria-current={route.view === v.id ? 'page' : undefined} title={`${v.label} (Alt+${v.key})`}>
                  {v.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span className={`backend-status ${backend.kind}`} role="status">
          {backend.description}
        </span>
      </header>
      <main className="view" id="main">
        {route.view === 'generate' && (
          <GenerateView
            backend={backend}
            symmetry={symmetry}
            candidates={candidates}
            setCandidates={setCandidates}
            onOpen={openCandidate}
            session={generateSession}
            onSessionChange={setGenerateSession}
          />
        )}
        {route.view === 'viewer' && (
          <ViewerView
            backend={backend}
            potential={potentialActions}
            params={route.params}
            candidate={openedCandidate}
            opened={openedFiles}
            onOpened={(o) => setOpenedFiles((list) => [...list, o])}
            onNavigate={(params) => go('viewer', params)}
            onUseAsTemplate={useAsTemplate}
          />
        )}
        {route.view === 'library' && (
          <LibraryView
            backend={backend}
            onOpen={openCandidate}
            onUseAsTemplate={templateFromLibrary}
            onTrainOn={trainOnLibraryRows}
            menuCommand={menuCommand}
            onMenuCommandDone={() => setMenuCommand(null)}
          />
        )}
        {route.view === 'mcmc' && <McmcView backend={backend} symmetry={symmetry} dashboard={mcmcDashboard} onOpen={openCandidate} />}
        {route.view === 'rl' && <RlView backend={backend} dashboard={rlDashboard} onOpen={openCandidate} />}
        {route.view === 'training' && <TrainingView backend={backend} dashboard={trainingDashboard} />}
        {route.view === 'settings' && <SettingsView backend={backend} />}
      </main>
    </div>
  );
}
