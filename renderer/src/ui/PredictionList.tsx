/** Predicted properties with their calibrated ± (issue #18), on result cards and in the Viewer. */
import type { PropertyPrediction } from '../../../shared/api/jobs.ts';
import { predictionText, propertyLabel, propertySymbol } from './predictionText.ts';
import './prediction.css';

export function PredictionValue({ prediction }: { prediction: PropertyPrediction }) {
  const { number, unit, interval } = predictionText(prediction);
  // The number and its ± never break apart; the unit may go to the next line on a narrow card.
  return (
    <span className="prediction-value num" title={interval ?? 'no calibrated uncertainty for this predictor'}>
      <span className="prediction-number">{number}</span>
      {unit ? ` ${unit}` : ''}
    </span>
  );
}

/** `compact`: symbols (E_g, E_f, ε) instead of words, for the narrow result cards. */
export function PredictionList({ predictions, compact = false }: { predictions: Readonly<Record<string, PropertyPrediction>> | undefined; compact?: boolean }) {
  const entries = Object.entries(predictions ?? {}).filter(([, p]) => p.value !== null);
  if (entries.length === 0) return null;
  return (
    <dl className={`prediction-list${compact ? ' compact' : ''}`} data-testid="predictions">
      {entries.map(([name, p]) => (
        <div key={name}>
          <dt title={compact ? `predicted ${propertyLabel(name)}` : undefined}>{compact ? propertySymbol(name) : propertyLabel(name)}</dt>
          <dd>
            <PredictionValue prediction={p} />
          </dd>
        </div>
      ))}
    </dl>
  );
}
