/**
 * What the renderer needs from the Node side, in the renderer's own terms. Two implementations are planned:
 * the desktop bridge (the preload's `window.cfstudio`) and browser mode (`cfstudio serve`, HTTP + WebSocket with
 * a token), both over the typed contract in shared/api. Until a model and the generate job exist, the app runs
 * on `createStandaloneBackend()`, which has no engine and says so instead of inventing results.
 */
import type { Mat3, Vec3 } from '../../../shared/crystal/linalg.ts';

export interface ModelSummary {
  id: string;
  name: string;
  description?: string;
}

/** A structure as plain data, as it crosses a process boundary. */
export interface StructureData {
  /** Rows are the lattice vectors a, b, c in Å. */
  lattice: Mat3;
  sites: { species: string; frac: Vec3; label?: string; wyckoff?: string }[];
}

export interface GenerationSite {
  letter: string;
  /** Allowed elements for this site; empty = the request's `allowedElements`. */
  elements: string[];
  /** Copy the element of this earlier site (0-based), or null. */
  tiedTo: number | null;
}

export interface GenerationRequest {
  modelId: string;
  spaceGroup: number;
  /** The Wyckoff prompt; empty = let the model choose the sites. */
  sites: GenerationSite[];
  /** Elements allowed anywhere not restricted per site; empty = any element. */
  allowedElements: string[];
  samples: number;
  temperature: number;
  topP: number;
  /** null = a fresh random seed, reported back in the result. */
  seed: number | null;
}

export interface Candidate {
  id: string;
  formula: string;
  spaceGroup: number;
  structure: StructureData;
  /** Model log-likelihood of the sample, when the engine reports it. */
  logLikelihood?: number;
}

export type GenerationEvent =
  | { type: 'progress'; done: number; total: number; message?: string }
  | { type: 'candidate'; candidate: Candidate }
  | { type: 'finished'; status: 'completed' | 'cancelled' | 'failed'; reason?: string; seed?: number };

export interface GenerationRun {
  readonly jobId: string;
  cancel(): Promise<void>;
}

export interface StudioBackend {
  /** 'standalone': no engine (Vite dev/preview server, static demo structures only). */
  readonly kind: 'standalone' | 'desktop' | 'browser';
  /** One line for the status bar, e.g. 'Standalone — no engine connected'. */
  readonly description: string;
  listModels(): Promise<ModelSummary[]>;
  /** How often each space group occurs in the model's training data (count per group number); {} when unknown. */
  spaceGroupFrequencies(modelId: string): Promise<Record<number, number>>;
  /** Starts a generation job; events arrive through `onEvent` until a 'finished' event. */
  generate(request: GenerationRequest, onEvent: (event: GenerationEvent) => void): Promise<GenerationRun>;
}

/** The backend cannot do what was asked in this mode (e.g. generation without an engine). */
export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}
