import { Composition } from '../../../shared/crystal/composition.ts';
import { structuralValidity } from '../../../shared/crystal/validity.ts';
import { buildStructure } from '../../../shared/symmetry/analyze.ts';
import { wyckoffPosition } from '../../../shared/symmetry/spacegroups.ts';
import { decodeCrystal } from '../../../shared/tokens/index.ts';
import type { SampledCrystal } from '../../../electron/engine/sample/sampler.ts';

/**
 * Atoms per element of a sampled crystal: in the built conventional cell when it is structurally valid (the builder
 * merges atoms closer than 0.01 Å, which happens when a free site is sampled onto a special point — such crystals are
 * invalid), else from the Wyckoff multiplicities of the group's positions.
 */
export function builtCounts(crystal: SampledCrystal): Map<string, number> {
  const description = decodeCrystal(crystal);
  const structure = buildStructure(description);
  if (structuralValidity(structure).valid) return new Map(Composition.fromStructure(structure).amounts);
  const counts = new Map<string, number>();
  for (const site of description.sites) counts.set(site.species, (counts.get(site.species) ?? 0) + wyckoffPosition(description.spaceGroup, site.letter).multiplicity);
  return counts;
}
