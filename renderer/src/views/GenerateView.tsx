import { useEffect, useRef, useState } from 'react';
import type { Candidate, GenerationEvent, StudioBackend } from '../api/backend.ts';
import type { SymmetryState } from '../App.tsx';
import { PromptBuilder } from '../prompt/PromptBuilder.tsx';
import { SymmetryGate } from '../prompt/SymmetryGate.tsx';
import { CspPanel } from './CspPanel.tsx';
import { ResultsGrid } from './ResultsGrid.tsx';

export interface GenerateViewProps {
  backend: StudioBackend;
  symmetry: SymmetryState;
  candidates: Candidate[];
  setCandidates: (update: (list: Candidate[]) => Candidate[]) => void;
  onOpen: (candidate: Candidate) => void;
}

export function GenerateView({ backend, symmetry, candidates, setCandidates, onOpen }: GenerateViewProps) {
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
  const onRunStarted = () => {
    setCandidates(() => []);
    setStatus('starting…');
    scrolled.current = false;
  };
  return (
    <div className="generate-view">
      <SymmetryGate symmetry={symmetry} what="the prompt builder">
        {(groups) => <PromptBuilder backend={backend} groups={groups} onGenerationEvent={onEvent} onRunStarted={onRunStarted} />}
      </SymmetryGate>
      <CspPanel backend={backend} onOpen={onOpen} />
      <ResultsGrid
        candidates={candidates}
        onOpen={onOpen}
        status={status}
        library={backend.library}
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
