/**
 * The template an MCMC run works on ("crystal cloze", crystalformer.md §5.6): a space group and a fixed sequence of
 * Wyckoff letters; each site's element is either fixed or masked (drawn from an allowed set), and each site's free
 * coordinates are either fixed or masked (moved by the chain). Ties make a later site copy an earlier site's element.
 *
 * Text form (CLI `--template`), sites separated by commas, in Wyckoff order:
 *   LETTER:ELEMENT[@X,Y,Z]
 * ELEMENT is a symbol (fixed), `?` (masked, any element of the global allowed set) or `Ba|Sr|Ca` (masked, one of
 * these). `@X,Y,Z` fixes the coordinates (decimals or fractions like 1/4; they must lie on the position's form).
 * Example, the rock-salt-ordered double perovskite A2BB'O6 in Fm-3m (225): B on 4a (0,0,0), B' on 4b (½,½,½),
 * A on 8c (¼,¼,¼), O on 24e (x,0,0):  `a:?,b:?,c:?,e:O`.
 */
import { atomicNumber, elementSymbol, isElementSymbol } from '../../../shared/crystal/elements.ts';
import type { Vec3 } from '../../../shared/crystal/linalg.ts';
import { getSpaceGroup, periodicFracDistance } from '../../../shared/symmetry/spacegroups.ts';
import { MAX_SITES, letterToIndex, projectSampledCoordinates } from '../../../shared/tokens/index.ts';
import { isRadioactiveOrNoble } from '../sample/conditions.ts';

export interface TemplateSite {
  letter: string;
  /** Atomic number when the element is fixed; null when masked. */
  element: number | null;
  /** The elements a masked site may take (atomic numbers); null = the global allowed set. Ignored when fixed. */
  allowed: number[] | null;
  /** Fixed coordinates (on the position's representative form), or null when the free coordinates are sampled. */
  coords: Vec3 | null;
}

export interface McmcTemplate {
  spaceGroup: number;
  sites: TemplateSite[];
  /** Ties [i, j] (0-based, i < j): site j always holds site i's element. */
  ties?: [number, number][];
  /** Elements allowed on masked sites without their own set; default: all except radioactive ones and noble gases. */
  allowedElements?: number[];
}

/** A template checked and expanded: every site has its concrete allowed set, every tie its target. */
export interface ResolvedTemplate {
  spaceGroup: number;
  letters: string[];
  /** W token of each site (1 = 'a'). */
  wyckoff: number[];
  /** Per site: fixed element, or null. */
  fixedElement: (number | null)[];
  /** Per site: allowed elements for a masked site (already intersected with tied sites' sets); empty when fixed. */
  allowed: number[][];
  /** Per site: the site whose element it copies, or null. */
  tiedTo: (number | null)[];
  fixedCoords: (Vec3 | null)[];
  /** Per site: which of the representative's parameters (x, y, z) are free (columns of the rotation that are non-zero). */
  freeParameters: [boolean, boolean, boolean][];
}

/** Default allowed set: elements 1…118 except Tc, Pm, Z ≥ 84 and the noble gases (CrystalFormer's --remove_radioactive). */
export function defaultAllowedElements(): number[] {
  return Array.from({ length: 118 }, (_, i) => i + 1).filter((z) => !isRadioactiveOrNoble(z));
}

const NUMBER = String.raw`[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:/\d+)?`;
const SITE = new RegExp(String.raw`\s*([a-zA-Z])\s*:\s*([^,@]*?)\s*(?:@\s*(${NUMBER})\s*,\s*(${NUMBER})\s*,\s*(${NUMBER}))?\s*(?:,|$)`, 'y');

function parseNumber(text: string): number {
  const [num, den] = text.split('/');
  return den === undefined ? Number(num) : Number(num) / Number(den);
}

/** Parse the text form (see the file comment). Errors name the site and what is wrong. */
export function parseTemplate(text: string, spaceGroup: number): McmcTemplate {
  const sites: TemplateSite[] = [];
  SITE.lastIndex = 0;
  const trimmed = text.trim();
  if (trimmed === '') throw new Error('template: empty (expected e.g. a:?,b:?,c:?,e:O)');
  while (SITE.lastIndex < trimmed.length) {
    const start = SITE.lastIndex;
    const m = SITE.exec(trimmed);
    if (!m) throw new Error(`template: cannot read site ${sites.length + 1} at '${trimmed.slice(start)}' (expected LETTER:ELEMENT[@X,Y,Z], ELEMENT = symbol, ? or A|B|C)`);
    const where = `template site ${sites.length + 1} '${m[0].replace(/,\s*$/, '').trim()}'`;
    const spec = m[2]!;
    let element: number | null = null;
    let allowed: number[] | null = null;
    if (spec === '?') {
      // masked, global set
    } else if (spec.includes('|')) {
      allowed = spec.split('|').map((s) => {
        const symbol = s.trim();
        if (!isElementSymbol(symbol)) throw new Error(`${where}: '${symbol}' is not an element symbol`);
        return atomicNumber(symbol);
      });
    } else if (isElementSymbol(spec)) {
      element = atomicNumber(spec);
    } else {
      throw new Error(`${where}: '${spec}' is not an element symbol, '?' or a set like Ba|Sr`);
    }
    const coords = m[3] !== undefined ? ([parseNumber(m[3]), parseNumber(m[4]!), parseNumber(m[5]!)] as Vec3) : null;
    if (coords && !coords.every(Number.isFinite)) throw new Error(`${where}: coordinates must be numbers`);
    sites.push({ letter: m[1]!, element, allowed, coords });
    if (m[0] === '') break;
  }
  return { spaceGroup, sites };
}

/** Check a template against its space group and expand it. Throws an Error naming the first problem. */
export function resolveTemplate(template: McmcTemplate): ResolvedTemplate {
  const g = template.spaceGroup;
  if (!Number.isInteger(g) || g < 1 || g > 230) throw new Error(`space group ${g} is not a number from 1 to 230`);
  const group = getSpaceGroup(g);
  const n = template.sites.length;
  if (n === 0) throw new Error('template: no sites');
  if (n > MAX_SITES) throw new Error(`template: ${n} sites, at most ${MAX_SITES}`);
  const globalSet = template.allowedElements ?? defaultAllowedElements();
  if (globalSet.length === 0) throw new Error('template: the allowed element set is empty');
  for (const z of globalSet) if (!(Number.isInteger(z) && z >= 1 && z <= 118)) throw new Error(`template: allowed element ${z} is not an atomic number 1…118`);

  const resolved: ResolvedTemplate = { spaceGroup: g, letters: [], wyckoff: [], fixedElement: [], allowed: [], tiedTo: [], fixedCoords: [], freeParameters: [] };
  let previous: { index: number; dof: number } | null = null;
  template.sites.forEach((site, i) => {
    const label = `template site ${i + 1} (${site.letter})`;
    const position = group.wyckoffPositions.find((p) => p.letter === site.letter);
    if (!position) throw new Error(`${label}: space group ${g} (${group.symbol}) has no Wyckoff position '${site.letter}' (it has ${group.wyckoffPositions.map((p) => p.letter).join(', ')})`);
    const index = letterToIndex(site.letter);
    if (previous && index < previous.index) throw new Error(`${label}: letters must not decrease along the template (the model's site order is a, b, c, …)`);
    if (previous && index === previous.index && previous.dof === 0) throw new Error(`${label}: '${site.letter}' in ${group.symbol} has no free coordinate and can be occupied only once`);
    previous = { index, dof: position.dof };
    const rotation = position.representative.rotation;
    const free: [boolean, boolean, boolean] = [0, 1, 2].map((j) => rotation.some((row) => row[j] !== 0)) as [boolean, boolean, boolean];
    let coords: Vec3 | null = null;
    if (site.coords) {
      const projected = projectSampledCoordinates(g, site.letter, site.coords);
      if (periodicFracDistance(projected, site.coords) > 1e-6) {
        throw new Error(`${label}: coordinates (${site.coords.join(', ')}) are not on the position's form (${position.coordinates}); projected onto it they would be (${projected.map((x) => +x.toFixed(6)).join(', ')})`);
      }
      coords = projected;
    }
    let allowed: number[] = [];
    if (site.element === null) {
      const own = site.allowed ?? globalSet;
      allowed = [...new Set(own)].sort((a, b) => a - b);
      if (allowed.length === 0) throw new Error(`${label}: no allowed element`);
    } else if (!(Number.isInteger(site.element) && site.element >= 1 && site.element <= 118)) {
      throw new Error(`${label}: element ${site.element} is not an atomic number 1…118`);
    }
    resolved.letters.push(site.letter);
    resolved.wyckoff.push(index);
    resolved.fixedElement.push(site.element);
    resolved.allowed.push(allowed);
    resolved.tiedTo.push(null);
    resolved.fixedCoords.push(coords);
    resolved.freeParameters.push(free);
  });

  for (const [i, j] of template.ties ?? []) {
    const label = `tie ${i + 1}:${j + 1}`;
    if (!(Number.isInteger(i) && Number.isInteger(j) && i >= 0 && j > i && j < n)) throw new Error(`${label}: needs 1 ≤ I < J ≤ ${n} (site J takes site I's element)`);
    if (resolved.tiedTo[j] !== null) throw new Error(`${label}: site ${j + 1} is already tied to site ${resolved.tiedTo[j]! + 1}`);
    // Follow chains (1:2, 2:3) to the site that owns the element.
    let root = i;
    while (resolved.tiedTo[root] !== null) root = resolved.tiedTo[root]!;
    const fixedRoot = resolved.fixedElement[root];
    const fixedJ = resolved.fixedElement[j];
    if (fixedJ !== null && fixedRoot !== null && fixedJ !== fixedRoot) {
      throw new Error(`${label}: sites hold different fixed elements (${elementSymbol(fixedRoot!)} and ${elementSymbol(fixedJ!)})`);
    }
    if (fixedJ !== null && fixedRoot === null) {
      if (!resolved.allowed[root]!.includes(fixedJ)) throw new Error(`${label}: site ${j + 1} is fixed to ${elementSymbol(fixedJ)}, which site ${root + 1} may not hold`);
      resolved.fixedElement[root] = fixedJ;
      resolved.allowed[root] = [];
    } else if (fixedRoot === null) {
      const common = resolved.allowed[root]!.filter((z) => resolved.allowed[j]!.includes(z));
      if (common.length === 0) throw new Error(`${label}: sites ${root + 1} and ${j + 1} have no allowed element in common`);
      resolved.allowed[root] = common;
    }
    resolved.tiedTo[j] = root;
    resolved.fixedElement[j] = null;
    resolved.allowed[j] = [];
  }
  // A fixed element at a root propagates to its tied sites.
  for (let j = 0; j < n; j++) if (resolved.tiedTo[j] !== null) resolved.fixedElement[j] = resolved.fixedElement[resolved.tiedTo[j]!]!;
  return resolved;
}

/** Sites the chain moves: a masked element it owns (not copied by a tie) or free coordinates that are not fixed. */
export function movableSites(t: ResolvedTemplate): number[] {
  const out: number[] = [];
  for (let s = 0; s < t.letters.length; s++) {
    const element = t.tiedTo[s] === null && t.fixedElement[s] === null && t.allowed[s]!.length > 1;
    const coords = t.fixedCoords[s] === null && t.freeParameters[s]!.some(Boolean);
    if (element || coords) out.push(s);
  }
  return out;
}
