/**
 * "Use as template" (issue 16, item 6): a crystal's space group, Wyckoff sites and elements as an MCMC template or a
 * Generate prompt. Checked on known crystals: rock salt (Fm-3m, Na 4a, Cl 4b), SrTiO3 perovskite (Pm-3m) and
 * wurtzite ZnO (P6_3mc, a = 3.25, c = 5.207 Å, Zn and O on 2b with u ≈ 0.382; Kisi & Elcombe, Acta Cryst. C45
 * (1989) 1867) — the template with every site and coordinate kept must rebuild the same crystal, and the app's
 * own prompt and template rules must accept what it produces.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Composition } from '../../shared/crystal/composition.ts';
import { Lattice } from '../../shared/crystal/lattice.ts';
import { periodicDistance, Structure } from '../../shared/crystal/structure.ts';
import { Rng } from '../../shared/random.ts';
import { buildStructure } from '../../shared/symmetry/analyze.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { expandOrbit, getSpaceGroup } from '../../shared/symmetry/spacegroups.ts';
import { mcmcParamsSchema } from '../../shared/api/jobs.ts';
import { validatePrompt } from '../../renderer/src/prompt/rules.ts';
import { checkTemplate, mcmcParamsFor, DEFAULT_MCMC_SETTINGS, MCMC_PRESETS, applyMcmcPreset, mcmcPresetOf, checkMcmcSettings, parseCoordinates } from '../../renderer/src/views/mcmcTemplate.ts';
import { defaultChoice, mcmcSitesFor, promptSitesFor, templateFromSummary, type StructureTemplate } from '../../renderer/src/views/structureTemplate.ts';
import { summarizeStructure } from '../../renderer/src/viewer/structureSummary.ts';

beforeAll(async () => {
  await initSymmetry();
});

function crystal(group: number, lattice: Lattice, orbits: [string, string, [number, number, number]][]): Structure {
  const sites = orbits.flatMap(([letter, species, point]) => expandOrbit(group, letter, point).map((frac) => ({ species, frac })));
  return new Structure(lattice, sites);
}

function templateOf(structure: Structure): StructureTemplate {
  const template = templateFromSummary(summarizeStructure(structure));
  if ('error' in template) throw new Error(template.error);
  return template;
}

const nacl = () => crystal(225, Lattice.cubic(5.6402), [['a', 'Na', [0, 0, 0]], ['b', 'Cl', [0.5, 0.5, 0.5]]]);
const zno = () => crystal(186, Lattice.hexagonal(3.25, 5.207), [['b', 'Zn', [1 / 3, 2 / 3, 0]], ['b', 'O', [1 / 3, 2 / 3, 0.382]]]);

describe('template from a structure', () => {
  it('rock salt: group 225 with Na on 4a and Cl on 4b, labelled as the asymmetric unit', () => {
    const t = templateOf(nacl());
    expect(t.spaceGroup).toBe(225);
    expect(t.source).toBe('NaCl, Fm-3m (225)');
    expect(t.sites.map((s) => [s.label, s.element, `${s.multiplicity}${s.letter}`])).toEqual([
      ['Na1', 'Na', '4a'],
      ['Cl1', 'Cl', '4b'],
    ]);
  });

  it('kept sites and coordinates rebuild the crystal (wurtzite: free z on 2b)', () => {
    const structure = zno();
    const summary = summarizeStructure(structure);
    const t = templateOf(structure);
    expect(t.spaceGroup).toBe(186);
    expect(t.sites.map((s) => `${s.multiplicity}${s.letter}`)).toEqual(['2b', '2b']);
    const sites = mcmcSitesFor(t, { ...defaultChoice(t), lockCoordinates: true });
    expect(sites.every((s) => s.mode === 'fixed' && s.coords !== '')).toBe(true);
    // Read the coordinates back as the MCMC panel does and build the crystal from the template alone.
    const rebuilt = buildStructure({
      spaceGroup: t.spaceGroup,
      lattice: summary.lattice,
      sites: sites.map((s) => {
        const frac = parseCoordinates(s.coords);
        if (typeof frac === 'string') throw new Error(frac);
        return { letter: s.letter, species: s.elements[0]!, frac };
      }),
    });
    expect(rebuilt.numSites).toBe(4);
    expect(Composition.fromStructure(rebuilt).reducedFormula).toBe('ZnO');
    // Same shortest Zn–O bond: the three basal ones, √(a²/3 + (½ − u)²c²) = 1.974 Å (the axial one, u·c, is 1.989 Å).
    const zn = rebuilt.sites.find((s) => s.species === 'Zn')!;
    const nearestO = Math.min(...rebuilt.sites.filter((s) => s.species === 'O').map((o) => periodicDistance(rebuilt.lattice, zn.frac, o.frac)));
    expect(nearestO).toBeCloseTo(Math.sqrt(3.25 ** 2 / 3 + (0.5 - 0.382) ** 2 * 5.207 ** 2), 3);
  });

  it('refuses a crystal with more Wyckoff sites than the model takes, saying how many', () => {
    // 21 atoms at general positions of a triclinic cell: P1, 21 sites on 1a.
    const rng = new Rng(3);
    const sites = Array.from({ length: 21 }, (_, i) => ({ species: i % 2 ? 'O' : 'Si', frac: [rng.next(), rng.next(), rng.next()] as [number, number, number] }));
    const structure = new Structure(Lattice.fromParameters(9.1, 9.7, 10.3, 81, 87, 95), sites);
    const t = templateFromSummary(summarizeStructure(structure));
    expect(t).toEqual({ error: expect.stringMatching(/has 21 Wyckoff sites in P1 \(1\); the model takes at most 20/) });
  });
});

describe('template → MCMC', () => {
  it('everything kept leaves the chain nothing to move; masking Na gives the cloze a:?,b:Cl', () => {
    const t = templateOf(nacl());
    const group = getSpaceGroup(225);
    const kept = mcmcSitesFor(t, defaultChoice(t));
    expect(checkTemplate(group, kept, []).map((i) => i.message)).toEqual([expect.stringMatching(/nothing to move/)]);
    const masked = mcmcSitesFor(t, { locked: [false, true], lockCoordinates: false });
    expect(checkTemplate(group, masked, [])).toEqual([]);
    const params = mcmcParamsFor(225, masked, [], { ...DEFAULT_MCMC_SETTINGS, model: 'default' });
    expect(params.template).toBe('a:?,b:Cl');
    expect(mcmcParamsSchema.safeParse(params).success).toBe(true);
  });

  it('a perovskite with its coordinates free is a valid template as it stands (O on 3c has none, so the elements are fixed)…', () => {
    const t = templateOf(crystal(221, Lattice.cubic(3.905), [['a', 'Sr', [0, 0, 0]], ['b', 'Ti', [0.5, 0.5, 0.5]], ['c', 'O', [0, 0.5, 0.5]]]));
    expect(t.sites.map((s) => s.element).sort()).toEqual(['O', 'Sr', 'Ti']);
    const sites = mcmcSitesFor(t, { locked: t.sites.map((s) => s.element === 'O'), lockCoordinates: false });
    expect(checkTemplate(getSpaceGroup(221), sites, [])).toEqual([]);
    expect(mcmcParamsFor(221, sites, [], { ...DEFAULT_MCMC_SETTINGS, model: 'default' }).template.split(',').filter((p) => p.endsWith(':?'))).toHaveLength(2);
  });
});

describe('template → Generate prompt', () => {
  it('kept sites allow only their element, masked ones the prompt’s set; the prompt rules accept it', () => {
    const t = templateOf(zno());
    const prompt = promptSitesFor(t, { locked: [true, false], lockCoordinates: false });
    expect(prompt.map((s) => s.letter)).toEqual(['b', 'b']);
    expect(prompt[0]!.elements).toHaveLength(1);
    expect(prompt[1]!.elements).toEqual([]);
    expect(validatePrompt(getSpaceGroup(186), { spaceGroup: 186, sites: prompt, allowedElements: [] })).toEqual([]);
  });
});

describe('MCMC presets', () => {
  it('each preset is within the job’s ranges, keeps model and seed, and is recognised again', () => {
    const mine = { ...DEFAULT_MCMC_SETTINGS, model: 'default', seed: 7 };
    expect(mcmcPresetOf(mine)?.id).toBe('standard');
    for (const preset of MCMC_PRESETS) {
      const applied = applyMcmcPreset(mine, preset);
      expect(applied.model).toBe('default');
      expect(applied.seed).toBe(7);
      expect(Object.values(checkMcmcSettings(applied)).every((e) => e === null)).toBe(true);
      expect(mcmcPresetOf(applied)?.id).toBe(preset.id);
    }
    expect(mcmcPresetOf({ ...mine, chains: 33 })).toBeNull();
  });
});
