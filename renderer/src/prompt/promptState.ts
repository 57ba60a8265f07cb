/**
 * The Generate prompt as one value, so that it outlives the view (App holds it for the session) and the last one
 * survives a restart (localStorage: the browser's, or Electron's per-profile store in the desktop app). A stored
 * value that does not parse is ignored, never half-applied.
 */
import { z } from 'zod';
import { isElementSymbol } from '../../../shared/crystal/elements.ts';
import type { PromptSite } from './rules.ts';

export interface GenerationSettingsValue {
  samples: number;
  temperature: number;
  topP: number;
  /** Empty string = random seed. */
  seed: string;
  modelId: string;
  /** Score every valid crystal with the potential's single-point E_hull (off by default: see the README's measured cost). */
  scoreEHull: boolean;
}

export const DEFAULT_GENERATION_SETTINGS: GenerationSettingsValue = { samples: 100, temperature: 1, topP: 1, seed: '', modelId: '', scoreEHull: false };

export interface PromptState {
  spaceGroup: number;
  /** Sample each crystal's group from the model's training distribution instead of the chosen one. */
  anyGroup: boolean;
  sites: PromptSite[];
  allowed: string[];
  completePrompt: boolean;
  settings: GenerationSettingsValue;
}

export const DEFAULT_PROMPT: PromptState = { spaceGroup: 225, anyGroup: false, sites: [], allowed: [], completePrompt: true, settings: DEFAULT_GENERATION_SETTINGS };

const element = z.string().refine(isElementSymbol, 'not an element symbol');
const promptSchema = z.object({
  spaceGroup: z.number().int().min(1).max(230),
  anyGroup: z.boolean(),
  sites: z.array(z.object({ letter: z.string().regex(/^[a-zA-Z]$/), elements: z.array(element), tiedTo: z.number().int().min(0).nullable() })).max(20),
  allowed: z.array(element),
  completePrompt: z.boolean(),
  // scoreEHull is optional: prompts saved before it existed still load (as off).
  settings: z.object({ samples: z.number(), temperature: z.number(), topP: z.number(), seed: z.string(), modelId: z.string(), scoreEHull: z.boolean().default(false) }),
});

export const PROMPT_STORAGE_KEY = 'cfstudio.generate.lastPrompt';

/** Minimal Storage, so tests pass a Map-backed one. */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

function defaultStore(): KeyValueStore | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // storage disabled by the browser's privacy settings
  }
}

/** The last saved prompt, or the default when none was saved or it no longer parses. */
export function loadPrompt(store: KeyValueStore | null = defaultStore()): PromptState {
  const text = store?.getItem(PROMPT_STORAGE_KEY);
  if (!text) return DEFAULT_PROMPT;
  try {
    const parsed = promptSchema.safeParse(JSON.parse(text));
    if (!parsed.success) return DEFAULT_PROMPT;
    // Ties must point to an earlier site; anything else is a corrupt value.
    if (parsed.data.sites.some((s, i) => s.tiedTo !== null && s.tiedTo >= i)) return DEFAULT_PROMPT;
    return parsed.data;
  } catch {
    return DEFAULT_PROMPT;
  }
}

export function savePrompt(prompt: PromptState, store: KeyValueStore | null = defaultStore()): void {
  try {
    store?.setItem(PROMPT_STORAGE_KEY, JSON.stringify(prompt));
  } catch {
    // A full or disabled store only loses the convenience of restoring the prompt.
  }
}
