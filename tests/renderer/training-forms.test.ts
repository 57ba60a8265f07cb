// The Training panel's forms: preparing a dataset (folder or library rows → 'prepare-dataset' params), fine-tuning
// from a model (→ 'train' params with initModel), and messages shown only once a field was edited or a start tried.
import { describe, expect, it } from 'vitest';
import { prepareDatasetParamsSchema, trainParamsSchema } from '../../shared/api/jobs.ts';
import { DEFAULT_FINE_TUNING, DEFAULT_TRAINING } from '../../electron/engine/train/pretrain.ts';
import { checkDatasetForm, defaultDatasetFolder, defaultDatasetForm, parseIdList, prepareParamsFor, visibleErrors, type DatasetForm } from '../../renderer/src/views/datasetForm.ts';
import { checkTrainingForm, defaultsFor, trainParamsFor, type TrainingForm } from '../../renderer/src/views/trainingForm.ts';

describe('library row ids', () => {
  it('reads ids and ranges in any separator, in order and without repeats', () => {
    expect(parseIdList('12, 15-17 31;12')).toEqual([12, 15, 16, 17, 31]);
    expect(parseIdList(' 3 – 4, 9 - 10 ')).toEqual([3, 4, 9, 10]);
    expect(parseIdList('')).toEqual([]);
  });
  it('says which part is not an id', () => {
    expect(parseIdList('12, x7')).toBe("'x7' is not a row id (a whole number from 1) or a range such as 15-20");
    expect(parseIdList('0')).toMatch(/'0' is not a row id/);
    expect(parseIdList('9-3')).toBe("'9-3': the range runs backwards");
    expect(parseIdList('1-200000')).toMatch(/more than 100,000 rows/);
  });
});

describe('dataset form', () => {
  const folder: DatasetForm = { source: 'folder', folder: ' structures/mine ', ids: '', out: 'datasets/mine', valPercent: 20 };
  it('gives params the job accepts for a folder and for library rows', () => {
    expect(checkDatasetForm(folder)).toEqual({});
    const params = prepareParamsFor(folder);
    expect(params).toEqual({ source: { folder: 'structures/mine' }, out: 'datasets/mine', valFraction: 0.2 });
    expect(prepareDatasetParamsSchema.safeParse(params).success).toBe(true);
    const library: DatasetForm = { ...folder, source: 'library', ids: '4, 7-8' };
    expect(checkDatasetForm(library)).toEqual({});
    expect(prepareParamsFor(library)).toEqual({ source: { library: { ids: [4, 7, 8] } }, out: 'datasets/mine', valFraction: 0.2 });
    expect(prepareDatasetParamsSchema.safeParse(prepareParamsFor(library)).success).toBe(true);
  });
  it('names what is missing or wrong, per source', () => {
    expect(Object.keys(checkDatasetForm({ ...folder, folder: ' ', out: '', valPercent: 120 })).sort()).toEqual(['folder', 'out', 'valPercent']);
    expect(checkDatasetForm({ ...folder, source: 'library', ids: '' }).ids).toMatch(/give row ids/);
    expect(checkDatasetForm({ ...folder, source: 'library', ids: 'abc' }).ids).toMatch(/'abc' is not a row id/);
    // The folder field is not asked for when the rows come from the library.
    expect(checkDatasetForm({ ...folder, source: 'library', folder: '', ids: '1' })).toEqual({});
  });
  it('starts with a dated dataset folder and a 10 % validation share', () => {
    expect(defaultDatasetFolder(new Date(2026, 0, 5, 9, 7))).toBe('datasets/mine-20260105-0907');
    const form = defaultDatasetForm();
    expect(form.valPercent).toBe(10);
    expect(checkDatasetForm(form).folder).toBeDefined(); // empty until the user says where the files are
  });
});

describe('training form: fine-tuning', () => {
  const form: TrainingForm = { mode: 'finetune', initModel: 'default', data: 'datasets/mine', val: '', config: 'tiny', out: 'runs/mine', epochs: NaN, batchSize: NaN, lr: NaN, validateEvery: NaN, seed: NaN, maxMinutes: NaN, resume: false };
  it('sends the model to start from instead of a preset', () => {
    expect(checkTrainingForm(form)).toEqual({});
    const params = trainParamsFor(form);
    expect(params).toEqual({ data: 'datasets/mine', initModel: 'default', out: 'runs/mine', resume: false });
    expect(trainParamsSchema.safeParse(params).success).toBe(true);
    // Resuming takes the model from the run's checkpoint.
    expect(trainParamsFor({ ...form, resume: true })).toEqual({ data: 'datasets/mine', out: 'runs/mine', resume: true });
  });
  it('asks for a model in fine-tuning mode and for a preset only when pretraining', () => {
    expect(checkTrainingForm({ ...form, initModel: '' }).initModel).toMatch(/choose the model to fine-tune/);
    expect(checkTrainingForm({ ...form, config: '??' })).toEqual({});
    expect(checkTrainingForm({ ...form, mode: 'pretrain', config: '??' }).config).toMatch(/Preset/);
  });
  it('shows as defaults what the engine uses in each mode', () => {
    const fine = defaultsFor('finetune');
    expect(Number(fine.epochs)).toBe(DEFAULT_FINE_TUNING.epochs);
    expect(Number(fine.batchSize)).toBe(DEFAULT_FINE_TUNING.batchSize);
    expect(Number(fine.lr)).toBe(DEFAULT_FINE_TUNING.learningRate);
    expect(fine.validateEvery).toBe(`${DEFAULT_FINE_TUNING.validateEverySteps} steps`);
    const pre = defaultsFor('pretrain');
    expect(Number(pre.epochs)).toBe(DEFAULT_TRAINING.epochs);
    expect(Number(pre.batchSize)).toBe(DEFAULT_TRAINING.batchSize);
    expect(Number(pre.lr)).toBe(DEFAULT_TRAINING.learningRate);
    expect(pre.validateEvery).toBe(`${DEFAULT_TRAINING.validateEverySteps} steps`);
  });
});

describe('when messages show', () => {
  it('shows nothing on a fresh form, an edited field’s message after input, everything after a start attempt', () => {
    const errors = checkTrainingForm({ mode: 'finetune', initModel: '', data: '', val: '', config: 'tiny', out: '', epochs: NaN, batchSize: NaN, lr: NaN, validateEvery: NaN, seed: NaN, maxMinutes: NaN, resume: false });
    expect(Object.keys(errors).sort()).toEqual(['data', 'initModel', 'out']);
    expect(visibleErrors(errors, new Set(), false)).toEqual({});
    expect(visibleErrors(errors, new Set(['data', 'epochs'] as const), false)).toEqual({ data: errors.data });
    expect(visibleErrors(errors, new Set(), true)).toEqual(errors);
  });
});
