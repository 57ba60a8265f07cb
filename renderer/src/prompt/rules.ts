/**
 * The model's rules for a Wyckoff-site prompt (CrystalFormer, spec §1.2 and §2.5), checked in the UI before a run:
 * - at most 20 sites (21 slots, one kept for the stop token);
 * - Wyckoff letters non-decreasing in the order a, b, …, z, A;
 * - a position with no free coordinate (dof 0) can be occupied only once, so the letter after it must be
 *   strictly greater;
 * - a site may copy ("tie to") the element of an earlier site.
 * Pure functions over shared/symmetry's SpaceGroup, so they are tested in Node.
 */
import { letterRank, type SpaceGroup, type WyckoffPosition } from '../../../shared/symmetry/spacegroups.ts';
import { isElementSymbol } from '../../../shared/crystal/elements.ts';

export const MAX_PROMPT_SITES = 20;

export interface PromptSite {
  letter: string;
  /** Elements allowed on this site; empty = the prompt's global allowed set. */
  elements: string[];
  /** Index of an earlier site whose element this site must copy, or null. */
  tiedTo: number | null;
}

export interface Prompt {
  spaceGroup: number;
  sites: PromptSite[];
  /** Elements the model may place on sites without their own list; empty = any element. */
  allowedElements: string[];
}

export interface PromptIssue {
  /** Site index the issue belongs to, or 'elements' for the global set, or 'sites' for the list as a whole. */
  where: number | 'elements' | 'sites';
  message: string;
}

function positionOf(group: SpaceGroup, letter: string): WyckoffPosition | undefined {
  return group.wyckoffPositions.find((w) => w.letter === letter);
}

/**
 * Why `letter` cannot be appended after `sites` in `group`, or null when it can (only the sites' letters matter).
 */
export function appendBlocker(group: SpaceGroup, sites: readonly Pick<PromptSite, 'letter'>[], letter: string): string | null {
  const position = positionOf(group, letter);
  if (!position) return `space group ${group.number} has no Wyckoff position ${letter}`;
  if (sites.length >= MAX_PROMPT_SITES) return `the model takes at most ${MAX_PROMPT_SITES} sites`;
  const last = sites[sites.length - 1];
  if (!last) return null;
  const lastPosition = positionOf(group, last.letter);
  if (!lastPosition) return `site ${sites.length} has letter ${last.letter}, which group ${group.number} does not have`;
  const rank = letterRank(letter);
  const lastRank = letterRank(last.letter);
  if (rank < lastRank) return `letters must not decrease: ${letter} comes before ${last.letter}`;
  if (rank === lastRank && lastPosition.dof === 0) {
    return `${lastPosition.multiplicity}${last.letter} has no free coordinate, so it can be occupied only once`;
  }
  return null;
}

/** Every rule violation in a prompt (empty list = the model accepts it). */
export function validatePrompt(group: SpaceGroup, prompt: Prompt): PromptIssue[] {
  const issues: PromptIssue[] = [];
  if (prompt.spaceGroup !== group.number) issues.push({ where: 'sites', message: `prompt is for group ${prompt.spaceGroup}, not ${group.number}` });
  for (const symbol of prompt.allowedElements) {
    if (!isElementSymbol(symbol)) issues.push({ where: 'elements', message: `'${symbol}' is not an element symbol` });
  }
  if (prompt.sites.length > MAX_PROMPT_SITES) {
    issues.push({ where: 'sites', message: `${prompt.sites.length} sites: the model takes at most ${MAX_PROMPT_SITES}` });
  }
  prompt.sites.forEach((site, i) => {
    const blocker = appendBlocker(group, prompt.sites.slice(0, i), site.letter);
    if (blocker && !blocker.startsWith('the model takes')) issues.push({ where: i, message: blocker });
    for (const symbol of site.elements) {
      if (!isElementSymbol(symbol)) issues.push({ where: i, message: `'${symbol}' is not an element symbol` });
    }
    if (site.tiedTo !== null) {
      if (!Number.isInteger(site.tiedTo) || site.tiedTo < 0 || site.tiedTo >= i) {
        issues.push({ where: i, message: `a site can only be tied to an earlier site` });
      } else if (site.elements.length > 0) {
        issues.push({ where: i, message: `a tied site takes its element from site ${site.tiedTo + 1}; clear its own element list` });
      }
    }
  });
  return issues;
}

/** Atoms in the conventional cell: the sum of the sites' multiplicities. */
export function conventionalAtomCount(group: SpaceGroup, sites: readonly PromptSite[]): number {
  return sites.reduce((n, s) => n + (positionOf(group, s.letter)?.multiplicity ?? 0), 0);
}

/** Removing site `index` shifts later indices down; ties to the removed site are dropped. Any site type with ties. */
export function removeSite<S extends Pick<PromptSite, 'tiedTo'>>(sites: readonly S[], index: number): S[] {
  return sites
    .filter((_, i) => i !== index)
    .map((s) => {
      if (s.tiedTo === null) return s;
      if (s.tiedTo === index) return { ...s, tiedTo: null };
      return s.tiedTo > index ? { ...s, tiedTo: s.tiedTo - 1 } : s;
    });
}

/** Parses a typed element list such as 'La Ni, O' (spaces or commas); throws naming the first bad token. */
export function parseElementList(text: string): string[] {
  const tokens = text.split(/[\s,;]+/).filter((t) => t.length > 0);
  const out: string[] = [];
  for (const token of tokens) {
    const symbol = token.charAt(0).toUpperCase() + token.slice(1).toLowerCase();
    if (!isElementSymbol(symbol)) throw new Error(`'${token}' is not an element symbol`);
    if (!out.includes(symbol)) out.push(symbol);
  }
  return out;
}
