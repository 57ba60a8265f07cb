import { useMemo } from 'react';
import { allSpaceGroups } from '../../../shared/symmetry/spacegroups.ts';
import type { Candidate, GenerationEvent, StudioBackend } from '../api/backend.ts';
import type { SymmetryState } from '../App.tsx';
import { PromptBuilder } from '../prompt/PromptBuilder.tsx';
import { ResultsGrid } from './ResultsGrid.tsx';

export interface GenerateViewProps {
  backend: StudioBackend;
  symmetry: SymmetryState;
  candidates: Candidate[];
  setCandidates: (update: (list: Candidate[]) => Candidate[]) => void;
  onOpen: (candidate: Candidate) => void;
}

export function GenerateView({ backend, symmetry, candidates, setCandidates, onOpen }: GenerateViewProps) {
  const groups = useMemo(() => (symmetry.status === 'ready' ? allSpaceGroups() : []), [symmetry.status]);
  const onEvent = (event: GenerationEvent) => {
    if (event.type === 'candidate') setCandidates((list) => [...list, event.candidate]);
  };
  return (
    <div className="generate-view">
      {symmetry.status === 'loading' && <p className="hint">Loading space-group tables…</p>}
      {symmetry.status === 'failed' && (
        <p className="error" role="alert">
          The space-group tables could not be loaded, so the prompt builder is unavailable: {symmetry.message}
        </p>
      )}
      {symmetry.status === 'ready' && (
        <PromptBuilder backend={backend} groups={groups} onGenerationEvent={onEvent} onRunStarted={() => setCandidates(() => [])} />
      )}
      <ResultsGrid
        candidates={candidates}
        onOpen={onOpen}
        library={backend.library}
        onFavourite={(libraryId, favourite) => setCandidates((list) => list.map((c) => (c.libraryId === libraryId ? { ...c, favourite } : c)))}
      />
    </div>
  );
}
