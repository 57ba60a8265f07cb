/** Predicted properties with their calibrated ± (issue #18), on result cards and in the Viewer. */
import type { PropertyPrediction } from '../../../shared/api/jobs.ts';
import { predictionText, propertyLabel } from './predictionText.ts';

export function PredictionValue({ prediction }: { prediction: PropertyPrediction }) {
  const { text, interval } = predictionText(prediction);
  return (
    <span className="prediction-value num" title={interval ?? 'no calibrated uncertainty for this predictor'}>
      {text}
    </span>
  );
}

export function PredictionList({ predictions }: { predictions: Readonly<Record<string, PropertyPrediction>> | undefined }) {
  const entries = Object.entries(predictions ?? {}).filter(([, p]) => p.value !== null);
  if (entries.length === 0) return null;
  return (
    <dl className="prediction-list" data-testid="predictions">
      {entries.map(([name, p]) => (
        <div key={name}>
          <dt>{propertyLabel(name)}</dt>
          <dd>
            <PredictionValue prediction={p} />
          </dd>
        </div>
      ))}
    </dl>
  );
}
