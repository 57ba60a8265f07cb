/**
 * What the user asks the sampler for, and the checks that reject impossible or contradictory prompts before any
 * sampling starts (each message says what is wrong).
 */
import { atomicNumber, elementSymbol, isElementSymbol } from '../../../shared/crystal/elements.ts';
import { getSpaceGroup } from '../../../shared/symmetry/spacegroups.ts';
import { MAX_SITES, letterToIndex, wyckoffTables } from '../../../shared/tokens/index.ts';
import { type CompositionCondition, compositionConstraint } from './composition.ts';

export interface SamplingConditions {
  /** One space group, a list (drawn uniformly), or weights over the 230 groups (index g − 1). */
  spaceGroups: { kind: 'list'; groups: number[] } | { kind: 'distribution'; weights: ArrayLike<number> };
  /** Wyckoff letters of the first sites; with `complete`, the crystal has exactly these sites. */
  wyckoffPrompt?: { letters: string[]; complete: boolean };
  /** Elements allowed anywhere (atomic numbers); default all. */
  allowedElements?: number[];
  /** Allowed elements per prompted site (index = site); null = no extra restriction. */
  siteElements?: (number[] | null)[];
  /** Ties [i, j]: site j takes site i's element (i < j). */
  ties?: [number, number][];
  /** Every crystal must contain all of these elements. */
  requiredElements?: number[];
  /** Exclude radioactive elements (Tc, Pm, Z ≥ 84) and noble gases. */
  excludeRadioactiveAndNobleGases?: boolean;
  /** Maximum atoms in the conventional cell. */
  maxAtoms?: number;
  /** Maximum Wyckoff sites (≤ 20). */
  maxSites?: number;
  /**
   * Minimum Wyckoff sites: the stop token is not drawn before this many. With `maxSites` equal, every crystal has
   * exactly that many sites, so a batch costs a known number of tokens (the speed benchmarks, as the PyTorch
   * reference's `--real-sites`). Not combinable with `maxAtoms`, a complete prompt or a composition.
   */
  minSites?: number;
  /**
   * Exact composition (structure prediction): every crystal has exactly one of these cell compositions, enforced
   * while decoding (composition.ts). Not combinable with the prompt, element, tie and size conditions above.
   */
  composition?: CompositionCondition;
}

const NOBLE_GASES = [2, 10, 18, 36, 54, 86, 118];

/** Tc, Pm and every element from Po (Z = 84) on: no stable isotope. resources/rewards/stability-guarded.json forbids these. */
export function isRadioactive(z: number): boolean {
  return z === 43 || z === 61 || z >= 84;
}

export function isRadioactiveOrNoble(z: number): boolean {
  return isRadioactive(z) || NOBLE_GASES.includes(z);
}

/** Parse `Na,Cl,K` into atomic numbers, naming the bad entry. */
export function parseElementList(text: string, what: string): number[] {
  const out: number[] = [];
  for (const raw of text.split(',')) {
    const symbol = raw.trim();
    if (symbol === '') continue;
    if (!isElementSymbol(symbol)) throw new Error(`${what}: '${symbol}' is not an element symbol`);
    out.push(atomicNumber(symbol));
  }
  if (out.length === 0) throw new Error(`${what}: no elements given`);
  return out;
}

/** The elements a site may take: its own set ∩ the global set, minus exclusions. */
export function siteElementSet(conditions: SamplingConditions, site: number): Set<number> | null {
  let set: Set<number> | null = conditions.allowedElements ? new Set(conditions.allowedElements) : null;
  const own = conditions.siteElements?.[site];
  if (own) set = set ? new Set(own.filter((z) => set!.has(z))) : new Set(own);
  if (conditions.excludeRadioactiveAndNobleGases) {
    if (!set) set = new Set(Array.from({ length: 118 }, (_, i) => i + 1));
    for (const z of [...set]) if (isRadioactiveOrNoble(z)) set.delete(z);
  }
  return set;
}

/**
 * Throws an Error describing the first problem found: a letter the group lacks, letters out of order, a fixed
 * site repeated, tie indices out of range, element sets that leave a site (or a tie) with nothing, a required
 * element that no site may take, or limits that no crystal can meet.
 */
export function validateConditions(conditions: SamplingConditions): void {
  const groups = conditions.spaceGroups.kind === 'list' ? conditions.spaceGroups.groups : [];
  if (conditions.composition) validateCompositionConditions(conditions, conditions.composition);
  if (conditions.spaceGroups.kind === 'list' && groups.length === 0) throw new Error('no space group given');
  for (const g of groups) {
    if (!Number.isInteger(g) || g < 1 || g > 230) throw new Error(`space group ${g} is not a number from 1 to 230`);
  }
  if (conditions.spaceGroups.kind === 'distribution') {
    const w = conditions.spaceGroups.weights;
    let total = 0;
    for (let i = 0; i < w.length; i++) total += w[i]!;
    if (w.length !== 230 || !(total > 0)) throw new Error('the space-group distribution must have 230 non-negative weights with a positive sum');
  }
  if (conditions.maxSites !== undefined && !(Number.isInteger(conditions.maxSites) && conditions.maxSites >= 1 && conditions.maxSites <= MAX_SITES)) {
    throw new Error(`maximum sites must be an integer from 1 to ${MAX_SITES}, got ${conditions.maxSites}`);
  }
  if (conditions.minSites !== undefined) {
    const { minSites, maxSites } = conditions;
    if (!(Number.isInteger(minSites) && minSites >= 1 && minSites <= MAX_SITES)) throw new Error(`minimum sites must be an integer from 1 to ${MAX_SITES}, got ${minSites}`);
    if (maxSites !== undefined && minSites > maxSites) throw new Error(`minimum sites (${minSites}) is above the maximum (${maxSites})`);
    if (conditions.maxAtoms !== undefined) throw new Error('a minimum site count cannot be combined with a maximum atom count (the atoms could run out first)');
    if (conditions.wyckoffPrompt?.complete) throw new Error('a minimum site count cannot be combined with a complete Wyckoff prompt (the prompt fixes the sites)');
  }
  const prompt = conditions.wyckoffPrompt?.letters ?? [];
  if (prompt.length > MAX_SITES) throw new Error(`a Wyckoff prompt has at most ${MAX_SITES} sites, got ${prompt.length}`);
  if (conditions.maxSites !== undefined && prompt.length > conditions.maxSites) throw new Error(`the Wyckoff prompt has ${prompt.length} sites but at most ${conditions.maxSites} are allowed`);
  if (prompt.length > 0 && groups.length === 0) throw new Error('a Wyckoff prompt needs an explicit space group (letters differ between groups)');
  for (const g of groups) {
    const group = getSpaceGroup(g);
    let atoms = 0;
    let previous: { index: number; dof: number; letter: string } | null = null;
    prompt.forEach((letter, i) => {
      const position = group.wyckoffPositions.find((p) => p.letter === letter);
      if (!position) throw new Error(`space group ${g} (${group.symbol}) has no Wyckoff position '${letter}' (it has ${group.wyckoffPositions.map((p) => p.letter).join(', ')})`);
      const index = letterToIndex(letter);
      if (previous) {
        if (index < previous.index) throw new Error(`Wyckoff prompt: site ${i + 1} '${letter}' comes after '${previous.letter}'; letters must not decrease (a, b, c, …)`);
        if (index === previous.index && previous.dof === 0) throw new Error(`Wyckoff prompt: '${letter}' in ${group.symbol} is a fixed point (no free coordinate) and can be occupied only once`);
      }
      previous = { index, dof: position.dof, letter };
      atoms += position.multiplicity;
    });
    if (conditions.maxAtoms !== undefined) {
      const smallest = Math.min(...group.wyckoffPositions.map((p) => p.multiplicity));
      if (atoms > conditions.maxAtoms) throw new Error(`the Wyckoff prompt puts ${atoms} atoms in the conventional cell of ${group.symbol}, above the maximum of ${conditions.maxAtoms}`);
      if (prompt.length === 0 && smallest > conditions.maxAtoms) throw new Error(`every Wyckoff position of ${group.symbol} has at least ${smallest} atoms, above the maximum of ${conditions.maxAtoms}`);
    }
  }
  const sites = Math.max(prompt.length, conditions.siteElements?.length ?? 0);
  if ((conditions.siteElements?.length ?? 0) > prompt.length && prompt.length > 0) {
    throw new Error(`element sets are given for ${conditions.siteElements!.length} sites but the Wyckoff prompt has ${prompt.length}`);
  }
  for (let i = 0; i < Math.max(sites, 1); i++) {
    const set = siteElementSet(conditions, i);
    if (set && set.size === 0) throw new Error(`site ${i + 1} has no allowed element left (its set, the global set and exclusions do not overlap)`);
  }
  for (const [i, j] of conditions.ties ?? []) {
    if (!(Number.isInteger(i) && Number.isInteger(j) && i >= 0 && j > i)) throw new Error(`tie ${i + 1}→${j + 1}: a site can only take the element of an earlier site`);
    if (prompt.length > 0 && j >= prompt.length) throw new Error(`tie ${i + 1}→${j + 1}: site ${j + 1} is beyond the ${prompt.length}-site Wyckoff prompt`);
    const a = siteElementSet(conditions, i);
    const b = siteElementSet(conditions, j);
    if (a && b && ![...a].some((z) => b.has(z))) throw new Error(`tie ${i + 1}→${j + 1}: sites ${i + 1} and ${j + 1} have no allowed element in common`);
  }
  for (const z of conditions.requiredElements ?? []) {
    const global = siteElementSet(conditions, Number.MAX_SAFE_INTEGER);
    const anySite = (global ? global.has(z) : true) || Array.from({ length: sites }, (_, i) => siteElementSet(conditions, i)).some((s) => !s || s.has(z));
    if (!anySite) throw new Error(`required element Z=${z} is not allowed on any site`);
  }
  if (conditions.wyckoffPrompt?.complete && conditions.requiredElements && conditions.requiredElements.length > prompt.length) {
    throw new Error(`${conditions.requiredElements.length} required elements cannot fit in ${prompt.length} sites`);
  }
}

/**
 * An exact composition replaces the per-site conditions (they could leave a composition reachable by the letters
 * but not by the elements allowed), and every space group that can be drawn must reach one of its cells.
 */
function validateCompositionConditions(conditions: SamplingConditions, composition: CompositionCondition): void {
  const others: [keyof SamplingConditions, string][] = [
    ['wyckoffPrompt', 'a Wyckoff prompt'],
    ['allowedElements', 'allowed elements'],
    ['siteElements', 'per-site elements'],
    ['ties', 'ties'],
    ['requiredElements', 'required elements'],
    ['excludeRadioactiveAndNobleGases', 'element exclusions'],
    ['maxAtoms', 'a maximum atom count'],
    ['maxSites', 'a maximum site count'],
    ['minSites', 'a minimum site count'],
  ];
  for (const [key, what] of others) if (conditions[key] !== undefined) throw new Error(`an exact composition cannot be combined with ${what}`);
  const constraint = compositionConstraint(composition, wyckoffTables());
  const drawable: number[] = [];
  if (conditions.spaceGroups.kind === 'list') drawable.push(...conditions.spaceGroups.groups);
  else for (let g = 1; g <= 230; g++) if (conditions.spaceGroups.weights[g - 1]! > 0) drawable.push(g);
  for (const g of drawable) {
    if (!Number.isInteger(g) || g < 1 || g > 230) continue; // reported below
    if (constraint.reachableCells(g).length === 0) {
      throw new Error(`no Wyckoff combination of space group ${g} (${getSpaceGroup(g).symbol}) gives the composition ${describeCells(composition)} within ${MAX_SITES} sites`);
    }
  }
}

/** 'Na4Cl4 or Na8Cl8' (atoms in the conventional cell). */
export function describeCells(composition: CompositionCondition): string {
  return composition.cellCounts.map((counts) => counts.map((n, i) => `${elementSymbol(composition.elements[i]!)}${n === 1 ? '' : n}`).join('')).join(' or ');
}
