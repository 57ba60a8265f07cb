/**
 * "Use as template": a crystal's space group, Wyckoff sites and elements (from our symmetry analysis, the Viewer's
 * structure summary) as the start of an MCMC template or a Generate prompt. Each site is either locked (keeps its
 * element) or masked (the chain or the model chooses); in MCMC the coordinates may be locked too. Pure, so it is
 * tested in Node on known crystals (tests/renderer/structure-template.test.ts).
 */
import type { Vec3 } from '../../../shared/crystal/linalg.ts';
import { getSpaceGroup } from '../../../shared/symmetry/spacegroups.ts';
import { MAX_PROMPT_SITES, type PromptSite } from '../prompt/rules.ts';
import type { StructureSummary } from '../viewer/structureSummary.ts';
import type { TemplateSiteDraft } from './mcmcTemplate.ts';

export interface TemplateSite {
  /** Crystallographic label of the orbit, e.g. 'O1'. */
  label: string;
  element: string;
  letter: string;
  multiplicity: number;
  /** Representative on the position's form, in the standard setting's conventional cell. */
  frac: Vec3;
}

export interface StructureTemplate {
  /** What the template was taken from, e.g. 'SrTiO3, Pm-3m (221)'. */
  source: string;
  spaceGroup: number;
  /** In the model's order (letters never decrease), as the analysis lists them. */
  sites: TemplateSite[];
}

/** Which sites keep their element, and whether MCMC keeps the crystal's coordinates. */
export interface TemplateChoice {
  /** One flag per site: true = locked (the element stays), false = masked. */
  locked: boolean[];
  /** MCMC only: fix every free coordinate at the crystal's value (only the elements then move). */
  lockCoordinates: boolean;
}

/** The template of an analysed structure, or why it cannot be one (the model takes at most 20 Wyckoff sites). */
export function templateFromSummary(summary: Pick<StructureSummary, 'formula' | 'spaceGroup' | 'sites'>): StructureTemplate | { error: string } {
  const { number, symbol } = summary.spaceGroup;
  if (summary.sites.length > MAX_PROMPT_SITES) {
    return { error: `${summary.formula} has ${summary.sites.length} Wyckoff sites in ${symbol} (${number}); the model takes at most ${MAX_PROMPT_SITES}, so it cannot be a template.` };
  }
  return {
    source: `${summary.formula}, ${symbol} (${number})`,
    spaceGroup: number,
    sites: summary.sites.map((s) => ({ label: s.label, element: s.element, letter: s.letter, multiplicity: s.multiplicity, frac: [...s.frac] as Vec3 })),
  };
}

/** Every site locked, coordinates free: the crystal itself, ready for the user to mask what should change. */
export function defaultChoice(template: StructureTemplate): TemplateChoice {
  return { locked: template.sites.map(() => true), lockCoordinates: false };
}

/** A fraction as the MCMC panel's coordinate field reads it: 6 decimals, no '-0'. */
function coordinateText(x: number): string {
  const wrapped = x - Math.floor(x);
  const text = (wrapped > 1 - 5e-7 ? 0 : wrapped).toFixed(6).replace(/0+$/, '').replace(/\.$/, '');
  return text === '-0' ? '0' : text;
}

/** The MCMC panel's site rows: locked sites fixed to their element, masked ones 'any allowed'. */
export function mcmcSitesFor(template: StructureTemplate, choice: TemplateChoice): TemplateSiteDraft[] {
  const group = getSpaceGroup(template.spaceGroup);
  return template.sites.map((site, i) => {
    const locked = choice.locked[i] ?? true;
    const dof = group.wyckoffPositions.find((w) => w.letter === site.letter)?.dof ?? 0;
    return {
      letter: site.letter,
      mode: locked ? 'fixed' : 'masked',
      elements: locked ? [site.element] : [],
      tiedTo: null,
      coords: choice.lockCoordinates && dof > 0 ? site.frac.map(coordinateText).join(', ') : '',
    };
  });
}

/** The Generate prompt's sites: a locked site allows only its element, a masked one the prompt's element set. */
export function promptSitesFor(template: StructureTemplate, choice: TemplateChoice): PromptSite[] {
  return template.sites.map((site, i) => ({ letter: site.letter, elements: (choice.locked[i] ?? true) ? [site.element] : [], tiedTo: null }));
}
