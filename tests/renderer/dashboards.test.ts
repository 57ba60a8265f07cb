/**
 * The pure parts of the MCMC and Training panels: the template editor's text form, checked against the engine's
 * own template parser (electron/engine/mcmc/template.ts) on ITA facts (Fm-3m 4a/4b fixed points, 24e = x,0,0;
 * the double perovskite template of the engine's README), the job params the forms produce (accepted by the job
 * schemas), and the chart's point store and ETA.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { atomicNumber } from '../../shared/crystal/elements.ts';
import { mcmcParamsSchema, trainParamsSchema } from '../../shared/api/jobs.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { getSpaceGroup } from '../../shared/symmetry/spacegroups.ts';
import { movableSites, parseTemplate, resolveTemplate } from '../../electron/engine/mcmc/template.ts';
import { ChartData, chartSummary, estimateRemainingSeconds, formatDuration, formatValue, integerTicks } from '../../renderer/src/charts/chartData.ts';

import {
  checkMcmcSettings,
  checkTemplate,
  DEFAULT_MCMC_SETTINGS,
  mcmcParamsFor,
  parseCoordinates,
  siteOfEngineError,
  templateText,
  type TemplateSiteDraft,
} from '../../renderer/src/views/mcmcTemplate.ts';
import { checkTrainingForm, trainParamsFor, type TrainingForm } from '../../renderer/src/views/trainingForm.ts';

beforeAll(async () => {
  await initSymmetry();
});

const site = (letter: string, mode: TemplateSiteDraft['mode'], elements: string[] = [], extra: Partial<TemplateSiteDraft> = {}): TemplateSiteDraft => ({
  letter,
  mode,
  elements,
  tiedTo: null,
  coords: '',
  ...extra,
});

describe('MCMC template editor', () => {
  it('writes the double perovskite A2BB′O6 template as the engine reads it (a:?,b:?,c:?,e:O)', () => {
    const sites = [site('a', 'masked'), site('b', 'masked'), site('c', 'masked'), site('e', 'fixed', ['O'])];
    const g = getSpaceGroup(225);
    expect(checkTemplate(g, sites, [])).toEqual([]);
    expect(templateText(sites)).toBe('a:?,b:?,c:?,e:O');
    const parsed = parseTemplate(templateText(sites), 225);
    expect(parsed.sites.map((s) => [s.letter, s.element, s.allowed])).toEqual([
      ['a', null, null],
      ['b', null, null],
      ['c', null, null],
      ['e', atomicNumber('O'), null],
    ]);
  });

  it('element sets, fixed fractional coordinates and ties reach the engine intact', () => {
    // 24e in Fm-3m is (x,0,0): fixing x = 1/4 leaves no free coordinate; 4a takes Ba or Sr, 8c copies 4a's element.
    const sites = [site('a', 'set', ['Ba', 'Sr']), site('c', 'masked', [], { tiedTo: 0 }), site('e', 'fixed', ['O'], { coords: '1/4, 0, 0' })];
    const params = mcmcParamsFor(225, sites, ['Ti', 'Zr'], { ...DEFAULT_MCMC_SETTINGS, model: 'default' });
    expect(params.template).toBe('a:Ba|Sr,c:?,e:O@1/4,0,0');
    expect(params.ties).toEqual([[0, 1]]);
    expect(params.elements).toEqual(['Ti', 'Zr']);
    expect(mcmcParamsSchema.safeParse(params).success).toBe(true);
    const template = parseTemplate(params.template, 225);
    template.ties = params.ties!;
    const resolved = resolveTemplate(template);
    expect(resolved.fixedCoords[2]).toEqual([0.25, 0, 0]);
    expect(resolved.allowed[0]).toEqual([atomicNumber('Sr'), atomicNumber('Ba')].sort((a, b) => a - b));
    expect(resolved.tiedTo).toEqual([null, 0, null]);
    // Only 4a moves (8c follows it, 24e is pinned): the engine and the editor agree there is something to sample.
    expect(movableSites(resolved)).toEqual([0]);
    expect(checkTemplate(getSpaceGroup(225), sites, [])).toEqual([]);
  });

  it('reports mistakes on the site they belong to', () => {
    const g = getSpaceGroup(225);
    const issues = checkTemplate(g, [site('b', 'fixed', ['Na']), site('a', 'fixed', ['Xx']), site('e', 'set', []), site('e', 'masked', [], { coords: '0.1, zero, 0' })], []);
    expect(issues.find((x) => x.where === 1)?.message).toMatch(/must not decrease/);
    expect(issues.filter((x) => x.where === 1).map((x) => x.message).join(' ')).toMatch(/'Xx' is not an element symbol/);
    expect(issues.find((x) => x.where === 2)?.message).toMatch(/choose the elements/);
    expect(issues.find((x) => x.where === 3)?.message).toMatch(/'zero' is not a number/);
    expect(checkTemplate(g, [], [])).toEqual([{ where: 'sites', message: expect.stringMatching(/at least one Wyckoff site/) }]);
  });

  it('refuses a template where nothing can move, as the engine would', () => {
    const sites = [site('a', 'fixed', ['Na']), site('b', 'fixed', ['Cl'])];
    expect(checkTemplate(getSpaceGroup(225), sites, []).map((x) => x.message).join(' ')).toMatch(/nothing to move/);
    expect(movableSites(resolveTemplate(parseTemplate(templateText(sites), 225)))).toEqual([]);
    // A free coordinate left unfixed is enough: 24e (x,0,0) with O fixed.
    expect(checkTemplate(getSpaceGroup(225), [site('a', 'fixed', ['Na']), site('e', 'fixed', ['O'])], [])).toEqual([]);
  });

  it('parses coordinates and finds the site an engine error names', () => {
    expect(parseCoordinates('1/4, 0.5 ,-1/8')).toEqual([0.25, 0.5, -0.125]);
    expect(parseCoordinates('1, 2')).toMatch(/three numbers/);
    expect(siteOfEngineError("template: template site 2 (e): coordinates (0.1, 0.2, 0) are not on the position's form")).toBe(1);
    expect(siteOfEngineError('model default not found')).toBeNull();
  });

  it('checks the annealing settings against the job schema ranges', () => {
    const ok = { ...DEFAULT_MCMC_SETTINGS, model: 'default' };
    expect(Object.values(checkMcmcSettings(ok)).every((e) => e === null)).toBe(true);
    const bad = checkMcmcSettings({ ...ok, chains: 0, tEnd: NaN, seed: 1.5 });
    expect(bad.chains).toMatch(/Chains/);
    expect(bad.tEnd).toMatch(/End temperature/);
    expect(bad.seed).toMatch(/Seed/);
  });
});

describe('Training form', () => {
  const form: TrainingForm = { mode: 'pretrain', initModel: '', data: ' data/tiny ', val: '', config: 'tiny', out: 'runs/a', epochs: 2, batchSize: NaN, lr: 0.002, validateEvery: NaN, seed: NaN, maxMinutes: NaN, resume: false };
  it('leaves empty optional fields to the trainer and produces params the job accepts', () => {
    expect(checkTrainingForm(form)).toEqual({});
    const params = trainParamsFor(form);
    expect(params).toEqual({ data: 'data/tiny', config: 'tiny', out: 'runs/a', epochs: 2, learningRate: 0.002, resume: false });
    expect(trainParamsSchema.safeParse(params).success).toBe(true);
  });
  it('names the wrong fields', () => {
    const errors = checkTrainingForm({ ...form, data: '', epochs: 0, lr: 2, maxMinutes: -1 });
    expect(Object.keys(errors).sort()).toEqual(['data', 'epochs', 'lr', 'maxMinutes']);
  });
});

describe('chart data', () => {
  it('keeps x sorted, stores gaps as null and reports each series’ latest value', () => {
    const data = new ChartData(2);
    expect(data.append(1, [10, null])).toBe(true);
    expect(data.append(2, [9, 12.5])).toBe(true);
    expect(data.append(3, [Number.NaN, undefined])).toBe(true);
    expect(data.append(2.5, [1, 1])).toBe(false);
    expect(data.append(Number.POSITIVE_INFINITY, [1, 1])).toBe(false);
    expect(data.aligned()).toEqual([
      [1, 2, 3],
      [10, 9, null],
      [null, 12.5, null],
    ]);
    expect(data.latest(0)).toEqual({ x: 2, y: 9 });
    expect(data.latest(1)).toEqual({ x: 2, y: 12.5 });
    expect(data.count(1)).toBe(1);
    expect(() => data.append(4, [1, 2, 3])).toThrow(/3 values for a chart of 2 series/);
    const version = data.version;
    data.clear();
    expect(data.length).toBe(0);
    expect(data.version).toBeGreaterThan(version);
    expect(data.latest(0)).toBeNull();
  });

  it('put replaces the points a resumed run repeats (stopped after step 3, checkpoint at 2, resumed: 3, 4)', () => {
    const data = new ChartData(1);
    for (const step of [1, 2, 3]) data.put(step, [step * 10]);
    expect(data.put(3, [31])).toBe(true);
    expect(data.put(4, [41])).toBe(true);
    expect(data.aligned()).toEqual([
      [1, 2, 3, 4],
      [10, 20, 31, 41],
    ]);
    // A resume from further back drops everything after its first step.
    data.put(2, [22]);
    expect(data.aligned()).toEqual([[1, 2], [10, 22]]);
    expect(data.put(Number.NaN, [1])).toBe(false);
    expect(data.length).toBe(2);
  });

  it('summarises the latest values in words', () => {
    const data = new ChartData(2);
    const series = [
      { label: 'acceptance', scale: 'rate', color: '#000', digits: 3 },
      { label: 'mean log p', scale: 'logp', color: '#000', digits: 2, unit: 'nats' },
    ];
    expect(chartSummary(data, series, 'sweep', 'nothing')).toBe('nothing');
    data.append(1, [0.5, -40.123]);
    data.append(2, [0.25, null]);
    expect(chartSummary(data, series, 'sweep')).toBe('Latest: acceptance 0.250 (sweep 2); mean log p -40.12 nats (sweep 1).');
  });

  it('estimates the time left from this run’s own rate', () => {
    // 20 steps in 10 s → 0.5 s/step; 80 steps left → 40 s, whatever happened before the first point.
    expect(estimateRemainingSeconds({ done: 100, seconds: 5 }, { done: 120, seconds: 15 }, 200)).toBe(40);
    expect(estimateRemainingSeconds({ done: 100, seconds: 5 }, { done: 100, seconds: 5 }, 200)).toBeNull();
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(0.44)).toBe('0.4 s');
    expect(formatDuration(725)).toBe('12 min 05 s');
    expect(formatDuration(3 * 3600 + 7 * 60)).toBe('3 h 07 min');
    expect(formatValue(0.00001234, 3)).toBe('1.23e-5');
    expect(formatValue(21.3456, 2)).toBe('21.35');
  });

  it('puts step ticks on whole numbers with room between them', () => {
    // 1…6 on 600 px (at most 10 ticks): every step.
    expect(integerTicks(0.8, 6.2, 600)).toEqual([1, 2, 3, 4, 5, 6]);
    // 0…1000 on 300 px (at most 5 ticks): every 200 steps.
    expect(integerTicks(0, 1000, 300)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(integerTicks(0.2, 0.7, 300)).toEqual([]);
    expect(integerTicks(Number.NaN, 3, 300)).toEqual([]);
    expect(integerTicks(0, 10, 0)).toEqual([]);
  });
});
