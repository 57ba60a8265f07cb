import { pairKey, type PairBondRule } from './displayModel.ts';
import { isMetal } from './elementStyle.ts';
import type { ViewerSettings } from './settings.ts';

/** Pair rules actually applied: the user's, plus "no bond" for metal–metal pairs when the user asked for that. */
export function effectivePairRules(species: readonly string[], settings: Pick<ViewerSettings, 'pairRules' | 'metalMetalBonds'>): PairBondRule[] {
  const rules = [...settings.pairRules];
  if (settings.metalMetalBonds) return rules;
  const distinct = [...new Set(species)];
  if (distinct.every(isMetal)) return rules; // pure metals and intermetallics keep their bonds
  const userPairs = new Set(rules.map((r) => pairKey(r.a, r.b)));
  const metals = distinct.filter(isMetal);
  for (let i = 0; i < metals.length; i++) {
    for (let j = i; j < metals.length; j++) {
      if (!userPairs.has(pairKey(metals[i]!, metals[j]!))) rules.push({ a: metals[i]!, b: metals[j]!, min: 0, max: 0 });
    }
  }
  return rules;
}
