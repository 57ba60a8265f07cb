import { useEffect, useRef, useState } from 'react';
import type { Candidate, GenerationEvent, StudioBackend } from '../api/backend.ts';
import type { SymmetryState } from '../App.tsx';
import { PromptBuilder } from '../prompt/PromptBuilder.tsx';
import type { PromptState } from '../prompt/promptState.ts';
import { SymmetryGate } from '../prompt/SymmetryGate.tsx';
import { CspPanel } from './CspPanel.tsx';
import { ResultsGrid, type ResultsViewState } from './ResultsGrid.tsx';

/** What the Generate view keeps while other views are shown (held by App for the session). */
export interface GenerateSession {
  prompt: PromptState;
  /** The prompt of the run whose crystals are shown, for "Use this prompt again". */
  resultsPrompt: PromptState | null;
  resultsView: ResultsViewState;
}

export interface GenerateViewProps {
  backend: StudioBackend;
  symmetry: SymmetryState;
  candidates: Candidate[];
  setCandidates: (update: (list: Candidate[]) => Candidate[]) => void;
  onOpen: (candidate: Candidate) => void;
  session: GenerateSession;
  onSessionChange: (update: (session: GenerateSession) => GenerateSession) => void;
}

export function GenerateView({ backend, symmetry, candidates, setCandidates, onOpen, session, onSessionChange }: GenerateViewProps) {
  const [status, setStatus] = useState<string | null>(null);
  // Starts true so that coming back to Generate with earlier results does not jump; a new run resets it.
  const scrolled = useRef(true);
  const onEvent = (event: GenerationEvent) => {
    if (event.type === 'candidate') {
      setCandidates((list) => [...list, event.candidate]);
    }
    if (event.type === 'progress') setStatus(`sampling ${event.done} of ${event.total}…`);
    if (event.type === 'finished') setStatus(event.status === 'completed' ? null : `run ${event.status}`);
  };
  // The prompt panels are tall: once a run's first crystal is drawn, bring the results into view.
  useEffect(() => {
    if (candidates.length === 0 || scrolled.current) return;
    scrolled.current = true;
    document.querySelector('.generate-view .results')?.scrollIntoView({ block: 'start' });
  }, [candidates.length]);
  const onRunStarted = (prompt: PromptState) => {
    setCandidates(() => []);
    setStatus('starting…');
    onSessionChange((s) => ({ ...s, resultsPrompt: prompt }));
    scrolled.current = false;
  };
  const reuse = session.resultsPrompt;
  return (
    <div className="generate-view">
      <SymmetryGate symmetry={symmetry} what="the prompt builder">
        {(groups) => (
          <PromptBuilder
            backend={backend}
            groups={groups}
            onGenerationEvent={onEvent}
            onRunStarted={onRunStarted}
            prompt={session.prompt}
            onPromptChange={(update) => onSessionChange((s) => ({ ...s, prompt: update(s.prompt) }))}
          />
        )}
      </SymmetryGate>
      <CspPanel backend={backend} onOpen={onOpen} />
      {reuse && candidates.length > 0 && (
        <div className="reuse-prompt">
          <button
            type="button"
            onClick={() => {
              onSessionChange((s) => ({ ...s, prompt: reuse }));
              document.querySelector('.generate-view .prompt-builder')?.scrollIntoView({ block: 'start' });
            }}
            title="Puts the space group, sites, elements and sampling settings of the run shown below back into the prompt"
          >
            Use this prompt again
          </button>
          <span className="hint">
            {reuse.anyGroup ? 'any space group' : `space group ${reuse.spaceGroup}`} · {reuse.sites.map((s) => `${s.letter}${s.elements.length ? ` ${s.elements.join('/')}` : ''}`).join(', ') || 'no sites'} ·{' '}
            {reuse.settings.samples} samples · seed {reuse.settings.seed.trim() || 'random'}
          </span>
        </div>
      )}
      <ResultsGrid
        candidates={candidates}
        onOpen={onOpen}
        status={status}
        library={backend.library}
        view={session.resultsView}
        onViewChange={(resultsView) => onSessionChange((s) => ({ ...s, resultsView }))}
        onFavourite={(libraryId, favourite) => setCandidates((list) => list.map((c) => (c.libraryId === libraryId ? { ...c, favourite } : c)))}
        onRelaxed={(entries) =>
          setCandidates((list) =>
            list.map((c) => {
              const entry = entries.find((e) => e.parentId !== null && e.parentId === c.libraryId);
              return entry ? { ...c, relaxed: entry } : c;
            }),
          )
        }
      />
    </div>
  );
}
