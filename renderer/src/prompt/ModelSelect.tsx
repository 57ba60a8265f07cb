/**
 * Choosing the model a run samples from: the backend's model list (listed once per backend, the first one
 * preselected), the space-group frequencies of the chosen model's training set (for the space-group picker), and the
 * labelled select of the settings forms.
 */
import { useEffect, useRef, useState } from 'react';
import type { ModelSummary, StudioBackend } from '../api/backend.ts';
import { LabeledSelect } from '../ui/LabeledSelect.tsx';

export interface ModelChoice {
  models: ModelSummary[];
  /** Training structures per space group of the chosen model; empty when unknown. */
  frequencies: Record<number, number>;
  /** Why the models could not be listed. */
  error: string | null;
}

/**
 * `preselect` is called with the first model's id once the list arrives; it should keep a model already chosen
 * (e.g. one restored from an earlier visit).
 */
export function useModelChoice(backend: StudioBackend, modelId: string, preselect: (firstId: string) => void): ModelChoice {
  const [models, setModels] = useState<ModelSummary[]>([]);
  const [frequencies, setFrequencies] = useState<Record<number, number>>({});
  const [error, setError] = useState<string | null>(null);
  const preselectRef = useRef(preselect);
  preselectRef.current = preselect;

  useEffect(() => {
    backend.listModels().then(
      (list) => {
        setModels(list);
        setError(null);
        if (list[0]) preselectRef.current(list[0].id);
      },
      (reason: unknown) => setError(`Could not list models: ${(reason as Error).message}`),
    );
  }, [backend]);

  useEffect(() => {
    if (!modelId) return setFrequencies({});
    backend.spaceGroupFrequencies(modelId).then(setFrequencies, () => setFrequencies({}));
  }, [backend, modelId]);

  return { models, frequencies, error };
}

export function ModelSelect({ models, value, invalid, error, onChange }: { models: readonly ModelSummary[]; value: string; invalid: boolean; error: string | null; onChange: (id: string) => void }) {
  return (
    <>
      <LabeledSelect label="Model" value={value} options={models.map((m) => ({ id: m.id, label: m.fineTuned ? `${m.name} (fine-tuned here)` : m.name }))} invalid={invalid} emptyOption="no model available" onChange={onChange} />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
