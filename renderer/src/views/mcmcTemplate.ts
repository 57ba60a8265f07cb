/**
 * The MCMC template as the MCMC panel edits it, and its translation into the 'mcmc' job's params (the text form
 * `LETTER:ELEMENT[@X,Y,Z]` of electron/engine/mcmc/template.ts, plus the global element set and ties). Checked
 * here before a run so that mistakes are shown on the site row where they were made; the engine checks again
 * (e.g. that fixed coordinates lie on the position's form) and its message names the site too.
 * Pure functions over shared/symmetry's SpaceGroup, tested in Node.
 */
import { isElementSymbol } from '../../../shared/crystal/elements.ts';
import type { McmcParams } from '../../../shared/api/jobs.ts';
import type { SpaceGroup } from '../../../shared/symmetry/spacegroups.ts';
import { appendBlocker } from '../prompt/rules.ts';

export type SiteElementMode = 'fixed' | 'masked' | 'set';

export interface TemplateSiteDraft {
  letter: string;
  /** fixed: one element; masked: any of the global allowed set; set: one of `elements`. */
  mode: SiteElementMode;
  /** The fixed element (first entry) or the site's own set. */
  elements: string[];
  /** Copy the element of this earlier site (0-based), or null. */
  tiedTo: number | null;
  /** Fixed coordinates as typed ('1/4, 0, 0'); empty = the chain moves the free coordinates. */
  coords: string;
}

export interface TemplateIssue {
  /** Site index, or 'sites' for the template as a whole, or 'elements' for the global set. */
  where: number | 'sites' | 'elements';
  message: string;
}

const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:\/\d+)?$/;

/** Parses 'x, y, z' (decimals or fractions such as 1/4) into three numbers, or returns why it cannot. */
export function parseCoordinates(text: string): [number, number, number] | string {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length !== 3) return `coordinates: expected three numbers x, y, z separated by commas, got '${text}'`;
  const values = parts.map((p) => {
    if (!NUMBER.test(p)) return NaN;
    const [num, den] = p.split('/');
    return den === undefined ? Number(num) : Number(num) / Number(den);
  });
  const bad = parts.findIndex((_, i) => !Number.isFinite(values[i]!));
  if (bad >= 0) return `coordinates: '${parts[bad]}' is not a number or a fraction such as 1/4`;
  return values as [number, number, number];
}

/** Every problem of a template that can be seen without the engine (empty = ready to run). */
export function checkTemplate(group: SpaceGroup, sites: readonly TemplateSiteDraft[], allowedElements: readonly string[]): TemplateIssue[] {
  const issues: TemplateIssue[] = [];
  if (sites.length === 0) issues.push({ where: 'sites', message: 'Add at least one Wyckoff site to the template.' });
  sites.forEach((site, i) => {
    const blocker = appendBlocker(group, sites.slice(0, i), site.letter);
    if (blocker) issues.push({ where: i, message: `Site ${i + 1}: ${blocker}.` });
    if (site.tiedTo !== null) {
      if (!(site.tiedTo >= 0 && site.tiedTo < i)) issues.push({ where: i, message: `Site ${i + 1}: can only copy the element of an earlier site.` });
    } else if (site.mode === 'fixed') {
      if (site.elements.length !== 1) issues.push({ where: i, message: `Site ${i + 1}: choose the one element it holds.` });
    } else if (site.mode === 'set' && site.elements.length < 1) {
      issues.push({ where: i, message: `Site ${i + 1}: choose the elements it may take.` });
    }
    for (const symbol of site.elements) if (!isElementSymbol(symbol)) issues.push({ where: i, message: `Site ${i + 1}: '${symbol}' is not an element symbol.` });
    if (site.coords.trim() !== '') {
      const parsed = parseCoordinates(site.coords);
      if (typeof parsed === 'string') issues.push({ where: i, message: `Site ${i + 1}: ${parsed}.` });
    }
  });
  for (const symbol of allowedElements) if (!isElementSymbol(symbol)) issues.push({ where: 'elements', message: `'${symbol}' is not an element symbol.` });
  if (sites.length > 0 && issues.length === 0 && !sites.some((s, i) => isMovable(group, s, i))) {
    issues.push({
      where: 'sites',
      message: 'Every element and coordinate is fixed, so the chain has nothing to move: mask an element (any / one of a set) or leave a free coordinate unfixed.',
    });
  }
  return issues;
}

function isMovable(group: SpaceGroup, site: TemplateSiteDraft, _index: number): boolean {
  const position = group.wyckoffPositions.find((w) => w.letter === site.letter);
  const freeCoordinates = (position?.dof ?? 0) > 0 && site.coords.trim() === '';
  // A tied site follows its target; a set of one element is as good as fixed.
  const maskedElement = site.tiedTo === null && (site.mode === 'masked' || (site.mode === 'set' && site.elements.length > 1));
  return freeCoordinates || maskedElement;
}

/** The element part of one site in the text form: a symbol, '?' or 'Ba|Sr'. A tied site is masked (the tie decides). */
function elementSpec(site: TemplateSiteDraft): string {
  if (site.tiedTo !== null) return '?';
  if (site.mode === 'fixed') return site.elements[0]!;
  if (site.mode === 'set') return site.elements.join('|');
  return '?';
}

/** The template in the engine's text form, e.g. 'a:?,b:?,c:Ba|Sr,e:O@0.25,0,0'. */
export function templateText(sites: readonly TemplateSiteDraft[]): string {
  return sites
    .map((site) => {
      const coords = site.coords.trim() === '' ? '' : `@${site.coords.split(',').map((p) => p.trim()).join(',')}`;
      return `${site.letter}:${elementSpec(site)}${coords}`;
    })
    .join(',');
}

export interface McmcRunSettings {
  model: string;
  chains: number;
  sweeps: number;
  tStart: number;
  tEnd: number;
  schedule: 'inverse-linear' | 'geometric';
  width: number;
  latticeTemperature: number;
  seed: number;
}

export const DEFAULT_MCMC_SETTINGS: McmcRunSettings = {
  model: '',
  chains: 32,
  sweeps: 20,
  tStart: 5,
  tEnd: 1,
  schedule: 'inverse-linear',
  width: 0.1,
  latticeTemperature: 1,
  seed: 0,
};

/** Why each setting is out of range (null = fine), with the ranges of mcmcParamsSchema. */
export function checkMcmcSettings(s: McmcRunSettings): Record<keyof McmcRunSettings, string | null> {
  const int = (v: number, min: number, max: number) => Number.isInteger(v) && v >= min && v <= max;
  const real = (v: number, min: number, max: number) => Number.isFinite(v) && v >= min && v <= max;
  return {
    model: s.model ? null : 'Model: no model is installed or connected',
    chains: int(s.chains, 1, 100_000) ? null : 'Chains: a whole number from 1 to 100000',
    sweeps: int(s.sweeps, 1, 1_000_000) ? null : 'Sweeps: a whole number from 1 to 1000000',
    tStart: real(s.tStart, 1e-3, 1e6) ? null : 'Start temperature: from 0.001 to 1000000',
    tEnd: real(s.tEnd, 1e-3, 1e6) ? null : 'End temperature: from 0.001 to 1000000',
    schedule: s.schedule === 'inverse-linear' || s.schedule === 'geometric' ? null : 'Schedule: inverse-linear or geometric',
    width: real(s.width, 1e-4, 100) ? null : 'Step width: from 0.0001 to 100',
    latticeTemperature: real(s.latticeTemperature, 1e-3, 100) ? null : 'Lattice temperature: from 0.001 to 100',
    seed: int(s.seed, 0, 2 ** 32 - 1) ? null : 'Seed: a whole number from 0 to 4294967295',
  };
}

/** The 'mcmc' job's params for a checked template and settings. */
export function mcmcParamsFor(spaceGroup: number, sites: readonly TemplateSiteDraft[], allowedElements: readonly string[], s: McmcRunSettings): McmcParams {
  const ties = sites.flatMap((site, j) => (site.tiedTo === null ? [] : [[site.tiedTo, j] as [number, number]]));
  return {
    model: s.model,
    spaceGroup,
    template: templateText(sites),
    ...(allowedElements.length > 0 ? { elements: [...allowedElements] } : {}),
    ...(ties.length > 0 ? { ties } : {}),
    chains: s.chains,
    sweeps: s.sweeps,
    tStart: s.tStart,
    tEnd: s.tEnd,
    schedule: s.schedule,
    width: s.width,
    latticeTemperature: s.latticeTemperature,
    seed: s.seed,
  };
}

/** The template site an engine error names ('template site 3 …' → 2), so the panel can mark that row. */
export function siteOfEngineError(message: string): number | null {
  const m = /template site (\d+)/.exec(message);
  return m ? Number(m[1]) - 1 : null;
}

/** Annealing settings a user picks by purpose rather than by number; the model and seed stay as chosen. */
export interface McmcPreset {
  id: string;
  label: string;
  /** What it is for and what it costs, shown under the choice. */
  hint: string;
  settings: Omit<McmcRunSettings, 'model' | 'seed'>;
}

export const MCMC_PRESETS: readonly McmcPreset[] = [
  {
    id: 'quick',
    label: 'Quick look',
    hint: '8 chains × 10 sweeps: a first answer in seconds, to check that a template works',
    settings: { chains: 8, sweeps: 10, tStart: 5, tEnd: 1, schedule: 'inverse-linear', width: 0.1, latticeTemperature: 1 },
  },
  {
    id: 'standard',
    label: 'Standard',
    hint: '32 chains × 20 sweeps, T 5 → 1: the default',
    settings: { chains: DEFAULT_MCMC_SETTINGS.chains, sweeps: DEFAULT_MCMC_SETTINGS.sweeps, tStart: DEFAULT_MCMC_SETTINGS.tStart, tEnd: DEFAULT_MCMC_SETTINGS.tEnd, schedule: DEFAULT_MCMC_SETTINGS.schedule, width: DEFAULT_MCMC_SETTINGS.width, latticeTemperature: DEFAULT_MCMC_SETTINGS.latticeTemperature },
  },
  {
    id: 'thorough',
    label: 'Thorough anneal',
    hint: '64 chains × 100 sweeps, T 10 → 0.5 geometric, finer steps: more of the likely fillings, about 30× the standard run',
    settings: { chains: 64, sweeps: 100, tStart: 10, tEnd: 0.5, schedule: 'geometric', width: 0.05, latticeTemperature: 1 },
  },
  {
    id: 'greedy',
    label: 'Most likely only',
    hint: '32 chains × 40 sweeps cooled to T 0.2 and a cold lattice draw: the chains settle on the fillings the model likes best',
    settings: { chains: 32, sweeps: 40, tStart: 2, tEnd: 0.2, schedule: 'geometric', width: 0.05, latticeTemperature: 0.3 },
  },
];

/** `settings` with a preset's annealing numbers (model and seed kept). */
export function applyMcmcPreset(settings: McmcRunSettings, preset: McmcPreset): McmcRunSettings {
  return { ...settings, ...preset.settings };
}

/** The preset whose numbers the settings hold, or null when they were edited ('custom'). */
export function mcmcPresetOf(settings: McmcRunSettings): McmcPreset | null {
  return MCMC_PRESETS.find((p) => (Object.keys(p.settings) as (keyof McmcPreset['settings'])[]).every((k) => p.settings[k] === settings[k])) ?? null;
}
