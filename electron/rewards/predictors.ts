/**
 * Property predictors by name. Reward specs refer to predictors by name ('band_gap', 'dielectric_total',
 * 'formation_energy'…); the models that implement them register here when they are loaded.
 */
import type { PropertyPredictor } from './types.ts';

export class PredictorRegistry {
  private readonly byName = new Map<string, PropertyPredictor>();

  /** Add a predictor; replacing one of the same name needs `replace: true` (so two models cannot clash silently). */
  register(predictor: PropertyPredictor, options: { replace?: boolean } = {}): void {
    if (!predictor.name) throw new Error('register: a predictor needs a name');
    if (this.byName.has(predictor.name) && !options.replace) {
      throw new Error(`register: a predictor named '${predictor.name}' is already registered (pass replace: true to swap it)`);
    }
    this.byName.set(predictor.name, predictor);
  }

  unregister(name: string): boolean {
    return this.byName.delete(name);
  }

  get(name: string): PropertyPredictor | undefined {
    return this.byName.get(name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Registered names, sorted. */
  names(): string[] {
    return [...this.byName.keys()].sort();
  }
}

/** The process-wide registry that reward specs use unless the caller passes its own. */
export const predictorRegistry = new PredictorRegistry();

export function registerPredictor(predictor: PropertyPredictor, options: { replace?: boolean } = {}): void {
  predictorRegistry.register(predictor, options);
}
