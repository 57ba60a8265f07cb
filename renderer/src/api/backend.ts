/**
 * What the renderer needs from the Node side, in the renderer's own terms. `createConnectedBackend` implements it
 * over the typed contract in shared/api for both the desktop bridge (the preload's `window.cfstudio`) and browser
 * mode (`cfstudio serve`, HTTP + WebSocket with a token). Served on its own (Vite dev/preview), the app runs on
 * `createStandaloneBackend()`, which has no engine and says so instead of inventing results.
 */
import type { ApiEventOf, ProviderDiagnostics, StructureSummaryInfo } from '../../../shared/api/contract.ts';
import type { CrystalPlausibility } from '../../../shared/api/plausibility.ts';
import type { PropertyPrediction, StructureData, StructureSource } from '../../../shared/api/jobs.ts';
import type { JobsBackend } from './jobs.ts';

export interface ModelSummary {
  id: string;
  name: string;
  description?: string;
  parameterCount?: number;
  /** Mean validation negative log-likelihood per crystal (nats). */
  validationNll?: number;
  /** A fine-tuning run's policy in this workspace (named by its folder), not a model shipped in models/. */
  fineTuned?: boolean;
}

/** A structure as plain data, as it crosses a process boundary (declared once, in shared/api/jobs.ts). */
export type { StructureData };

export interface GenerationSite {
  letter: string;
  /** Allowed elements for this site; empty = the request's `allowedElements`. */
  elements: string[];
  /** Copy the element of this earlier site (0-based), or null. */
  tiedTo: number | null;
}

export interface GenerationRequest {
  modelId: string;
  /** The space group, or 'training-distribution': each crystal's group drawn from the model's training data. */
  spaceGroup: number | 'training-distribution';
  /** The Wyckoff prompt (only with one space group); empty = let the model choose the sites. */
  sites: GenerationSite[];
  /** true: the crystal has exactly the prompted sites; false: they are its first sites and the model may add more. */
  completePrompt: boolean;
  /** Elements allowed anywhere not restricted per site; empty = any element. */
  allowedElements: string[];
  samples: number;
  temperature: number;
  topP: number;
  /** null = a fresh random seed, reported back in the result. */
  seed: number | null;
  /** Score each valid crystal with the potential's single-point E_hull (stored in the library). */
  scoreEHull?: boolean;
}

/** The interatomic potential's verdict: eV/atom, of the structure as stored ('single-point') or relaxed. */
export interface StabilityScore {
  kind: 'single-point' | 'relaxed';
  eHull: number | null;
  energyPerAtom: number | null;
  formationEnergyPerAtom: number | null;
  /** Why there is no number (not built, structurally invalid, unknown element…). */
  error?: string;
}

/** One structure relaxed by 'Relax selected' and saved to the library. */
export interface RelaxedEntry {
  /** The library row it was relaxed from. */
  parentId: number | null;
  /** The new library row (absent when the relaxation failed or exploded). */
  savedId: number | null;
  status: string;
  eHull: number | null;
  energyPerAtom: number | null;
  error?: string;
}

export interface Candidate {
  id: string;
  /** Row id in the workspace library, when the candidate was stored. */
  libraryId?: number;
  formula: string;
  /** The requested space group (for generated crystals) or the one found (library rows without a request). */
  spaceGroup: number;
  /** Space group found by symmetry analysis of the built structure; null when analysis failed. */
  spaceGroupFound?: number | null;
  /** null when the sampled tokens could not be built into a structure. */
  structure: StructureData | null;
  /** Model log-likelihood of the sample, when the engine reports it. */
  logLikelihood?: number;
  /** Shortest interatomic distance in Å. */
  minDistance?: number | null;
  /** Built and no two atoms closer than 0.5 Å; undefined = not checked. */
  valid?: boolean;
  favourite?: boolean;
  /** Position in its generation run (1-based). */
  index?: number;
  wyckoffLabel?: string | null;
  error?: string;
  /** The potential's single-point score, when the run scored E_hull (or the library row has one). */
  score?: StabilityScore;
  /** After 'Relax selected': the relaxed row saved to the library. */
  relaxed?: RelaxedEntry;
  /** Shortest contact over radii, charge balance (oxidation states guessed), density; absent when not checked. */
  plausibility?: CrystalPlausibility;
  /** Predicted properties, each with its calibrated ± where the predictor has one (issue #18). */
  predictions?: Record<string, PropertyPrediction>;
}

/** Library filters and paging as the Library view offers them. */
export interface LibraryQuery {
  spaceGroups?: number[];
  /** Contains all of these elements. */
  elements?: string[];
  valid?: boolean;
  favourite?: boolean;
  source?: StructureSource;
  search?: string;
  /** Only rows with an E_hull at most this (eV/atom). */
  maxEHull?: number;
  /** Has every one of these tags. */
  tags?: string[];
  /** Charge balanced (true) or not (false) by the strict oxidation-state check. */
  chargeBalanced?: boolean;
  /** Every contact ≥ 0.5 (r_i + r_j) (true) or not (false). */
  contactsPlausible?: boolean;
  sort: { by: LibrarySortField; direction: 'asc' | 'desc' };
  limit: number;
  offset: number;
}

export type LibrarySortField =
  | 'id' | 'createdAt' | 'logProbability' | 'spaceGroup' | 'formula' | 'numSites' | 'volume' | 'eHull' | 'reward' | 'contactRatio' | 'density' | 'a';

/** Formats the library exports to. */
export type LibraryExportFormat = 'zip' | 'poscar-zip' | 'extxyz' | 'json';

/** What an import of structure files did. */
export interface LibraryImportResult {
  imported: { id: number; source: string; formula: string; spaceGroup: number | null }[];
  failed: { source: string; error: string }[];
  /** Skipped: the library already holds the same crystal (row `duplicateOf`). */
  duplicates: { source: string; duplicateOf: number }[];
}

/** The columns of a library row the Library view shows (the API's row type, declared once in shared/api/contract.ts). */
export type LibraryRow = Pick<
  StructureSummaryInfo,
  | 'id'
  | 'formula'
  | 'elements'
  | 'numSites'
  | 'volume'
  | 'source'
  | 'parentId'
  | 'eHull'
  | 'energyPerAtom'
  | 'formationEnergyPerAtom'
  | 'energyKind'
  | 'spaceGroupRequested'
  | 'spaceGroupFound'
  | 'logProbability'
  | 'valid'
  | 'favourite'
  | 'name'
  | 'createdAt'
  | 'reward'
  | 'properties'
  | 'lattice'
  | 'plausibility'
  | 'run'
  | 'runId'
  | 'prompt'
  | 'tags'
>;

export interface LibraryBackend {
  query(query: LibraryQuery): Promise<{ rows: LibraryRow[]; total: number }>;
  /** One row with its structure read from the stored CIF, ready for the viewer. */
  open(id: number): Promise<Candidate>;
  setFavourite(ids: number[], favourite: boolean): Promise<void>;
  /**
   * Relaxes rows with the potential (the engine's 'relax' job, space group kept) and saves each relaxed structure
   * as a new row linked to its parent, E_hull labelled 'relaxed'. `onProgress` gets "k of n relaxed".
   */
  relax(ids: number[], onProgress?: (done: number, total: number) => void): Promise<RelaxedEntry[]>;
  /** Single-point E_hull of rows as stored (the engine's 'energy' job), written to the rows. */
  score(ids: number[]): Promise<{ scored: number; failed: number }>;
  /**
   * Exports rows through the engine's export job: one structure as a CIF file, several as a zip of CIFs with a
   * manifest. Browser mode downloads the file; the desktop app asks where to save. Resolves with what was written.
   */
  export(ids: number[], format?: LibraryExportFormat): Promise<{ fileName: string; count: number }>;
  /** Rows' structures (from their CIFs) for thumbnails, by id; null for a row that cannot be read. */
  structures(ids: number[]): Promise<Map<number, StructureData | null>>;
  /** Deletes rows; resolves with how many were deleted. */
  delete(ids: number[]): Promise<number>;
  /** Adds and removes tags on rows. */
  tag(ids: number[], add: string[], remove: string[]): Promise<void>;
  /** Every tag in use, with its count. */
  tags(): Promise<{ name: string; count: number }[]>;
  /**
   * Imports CIF / POSCAR texts (the engine's 'import-structures' job); a crystal the library already holds is
   * skipped and reported as a duplicate.
   */
  importFiles(files: { name: string; text: string }[]): Promise<LibraryImportResult>;
  /**
   * Desktop app only: asks for files in the native open dialog and imports them by path (the dialog approves
   * exactly those paths); resolves with null when the user cancelled.
   */
  importChosenFiles?(): Promise<LibraryImportResult | null>;
  /** Calls back whenever something wrote to the library; returns an unsubscribe function. */
  onChanged(listener: () => void): () => void;
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
  /** The workspace library; absent without an engine. */
  readonly library?: LibraryBackend;
  /** Engine-host jobs for the dashboards (MCMC, training); absent without an engine. */
  readonly jobs?: JobsBackend;
  /** Execution providers and the workspace's preference (Settings view); absent without an engine. */
  readonly settings?: SettingsBackend;
  /** Desktop app only: calls back with each File-menu command the page carries out; returns an unsubscribe function. */
  onMenuCommand?(listener: (command: MenuCommand) => void): () => void;
}

/** A desktop menu command the page carries out because it knows the selection (File › Import / Export Selection). */
export type MenuCommand = ApiEventOf<'command'>['command'];

export interface SettingsBackend {
  /** What `cfstudio doctor` says about providers, for this workspace. */
  providers(): Promise<ProviderDiagnostics>;
  /** Stores 'auto' or an ordered list such as 'webgpu,cpu'; rejects an unknown provider with the CLI's message. */
  setProviders(providers: string): Promise<ProviderDiagnostics>;
}

/** The backend cannot do what was asked in this mode (e.g. generation without an engine). */
export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}
