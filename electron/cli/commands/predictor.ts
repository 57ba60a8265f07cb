/**
 * `cfstudio predictor train --property NAME --train DIR --val DIR` — train a built-in property predictor.
 * `cfstudio predict FILE... [--property NAME ...]` — predict properties of structure files with the shipped models.
 */
import { type Command, PROVIDERS_OPTION, BATCH_EXIT_NOTE, STRICT_OPTION, UserError, batchExitCode, intOption, numberOption, requiredString, runInputsForCli, stringListOption, stringOption } from '../command.ts';
import { failureReason, failureReportLines } from '../../../shared/batch/each-input.ts';
import { errorLine, quoteForMessage, safeMessageLine } from '../../../shared/text/safe-text.ts';
import { ProgressBar } from '../progress.ts';
import { withStopSignal } from '../stop-signal.ts';
import { checkOutputDirectory } from '../output-paths.ts';
import { DEFAULT_SYMPREC } from '../../../shared/symmetry/analyze.ts';
import { DEFAULT_PREDICTOR_CONFIG } from '../../predictors/network.ts';
import { PROPERTY_NAMES, isPropertyName, shippedModelDir } from '../../predictors/properties.ts';
import { DEFAULT_PREDICTOR_TRAINING, trainPredictor } from '../../predictors/train.ts';
import { predictProperties } from '../../predictors/predict.ts';
import { importMatglMegnet } from '../../predictors/megnet-import.ts';
import { calibrateShippedPredictor } from '../../predictors/calibrate.ts';
import { MEGNET_PREDICTOR_NAMES, shippedMegnetDir } from '../../predictors/registry.ts';
import { analyzeForCli, loadStructureForCli, SYMPREC_OPTION } from './inspect.ts';

const D = DEFAULT_PREDICTOR_TRAINING;

export const predictorTrainCommand: Command = {
  path: ['predictor', 'train'],
  summary: `train a property predictor (${PROPERTY_NAMES.join(', ')}) on prepared token datasets`,
  options: {
    providers: PROVIDERS_OPTION,
    property: { type: 'string', description: `property to learn: ${PROPERTY_NAMES.join(' | ')}`, valueName: 'NAME' },
    train: { type: 'string', description: 'training token dataset (from `cfstudio data prepare`; its train split is used)', valueName: 'DIR' },
    val: { type: 'string', description: 'held-out token dataset (all rows, or its val split with --val-split val; evaluated only, never trained on)', valueName: 'DIR' },
    'val-split': { type: 'string', description: "rows of --val held out: all (default) | val (the dataset's validation split, e.g. --val = --train)", valueName: 'SPLIT' },
    out: { type: 'string', description: 'output model folder (default: models/predictor-<name>)', valueName: 'DIR' },
    'data-root': { type: 'string', description: 'folder with the property value files (default: $CFSTUDIO_DATA or ../shared/data)', valueName: 'DIR' },
    values: { type: 'string', multiple: true, description: 'CSV with material_id and the property column, instead of the defaults (repeatable)', valueName: 'FILE' },
    init: { type: 'string', description: 'start from the weights of another predictor folder with the same network', valueName: 'DIR' },
    epochs: { type: 'string', description: `epochs (default ${D.epochs})`, valueName: 'N' },
    'batch-size': { type: 'string', description: `crystals per batch (default ${D.batchSize})`, valueName: 'N' },
    lr: { type: 'string', description: `peak learning rate (default ${D.learningRate})`, valueName: 'X' },
    'weight-decay': { type: 'string', description: `AdamW weight decay (default ${D.weightDecay})`, valueName: 'X' },
    dropout: { type: 'string', description: `dropout (default ${DEFAULT_PREDICTOR_CONFIG.dropout})`, valueName: 'X' },
    seed: { type: 'string', description: `seed for initialisation, data order and dropout (default ${D.seed})`, valueName: 'N' },
    'evaluate-every': { type: 'string', description: `held-out evaluation every N epochs (default ${D.evaluateEveryEpochs})`, valueName: 'N' },
    note: { type: 'string', description: 'free text recorded in the card (e.g. how the settings were chosen)', valueName: 'TEXT' },
    json: { type: 'boolean', description: 'print the model card as JSON' },
  },
  async run(values, _positionals, ctx) {
    const property = requiredString(values, 'property');
    if (!isPropertyName(property)) throw new UserError(`--property must be one of ${PROPERTY_NAMES.join(', ')}, got ${quoteForMessage(property)}`);
    const trainData = requiredString(values, 'train');
    const valData = requiredString(values, 'val');
    const valueFiles = stringListOption(values, 'values');
    const outDir = stringOption(values, 'out') ?? shippedModelDir(property);
    await checkOutputDirectory(outDir);
    let bar: ProgressBar | undefined;
    await withStopSignal(ctx, 'writing the model', async (signal) => {
      const dataRoot = stringOption(values, 'data-root');
      const init = stringOption(values, 'init');
      const note = stringOption(values, 'note');
      const valSplit = stringOption(values, 'val-split') ?? 'all';
      if (valSplit !== 'all' && valSplit !== 'val') throw new UserError(`--val-split must be all or val, got ${quoteForMessage(valSplit)}`);
      const result = await trainPredictor({
        valSplit,
        property,
        trainData,
        valData,
        outDir,
        ...(dataRoot ? { dataRoot } : {}),
        ...(valueFiles?.length ? { valueFiles } : {}),
        ...(init ? { initFrom: init } : {}),
        ...(note ? { note } : {}),
        config: { ...DEFAULT_PREDICTOR_CONFIG, dropout: numberOption(values, 'dropout', DEFAULT_PREDICTOR_CONFIG.dropout, 0, 0.9) },
        settings: {
          epochs: intOption(values, 'epochs', D.epochs, 1),
          batchSize: intOption(values, 'batch-size', D.batchSize, 1),
          learningRate: numberOption(values, 'lr', D.learningRate, 0, 1),
          weightDecay: numberOption(values, 'weight-decay', D.weightDecay, 0, 10),
          seed: intOption(values, 'seed', D.seed, 0),
          evaluateEveryEpochs: intOption(values, 'evaluate-every', D.evaluateEveryEpochs, 1),
        },
        signal,
        log: (line) => {
          if (bar) process.stderr.write('\n');
          ctx.log(line);
        },
        onProgress: (p) => {
          bar ??= new ProgressBar({ total: p.totalSteps, label: property, unit: 'step' });
          bar.update(p.step, `loss ${p.loss.toFixed(4)}${p.heldOutMae !== undefined ? ` held-out MAE ${p.heldOutMae.toFixed(4)}` : ''}`);
        },
      }).catch((error: Error) => {
        throw new UserError(error.message.split('\n')[0]!);
      });
      bar?.finish();
      const m = result.card.metrics.heldOut;
      if (values.json) ctx.out(JSON.stringify(result.card, null, 2) + '\n');
      else {
        const unit = result.card.unit ? ` ${result.card.unit}` : '';
        ctx.out(
          `${result.status}: ${result.outDir}\n` +
            `held-out MAE ${m.mae.toFixed(4)}${unit} (RMSE ${m.rmse.toFixed(4)}, target std ${m.targetStd.toFixed(4)}, mean-baseline MAE ${m.meanBaselineMae.toFixed(4)}) on ${m.n} crystals\n`,
        );
      }
    });
  },
};

export const predictCommand: Command = {
  path: ['predict'],
  summary: `predict properties (${PROPERTY_NAMES.join(', ')}, ${Object.keys(MEGNET_PREDICTOR_NAMES).join(', ')}) of CIF/POSCAR files with the shipped predictors`,
  positionals: 'FILE...',
  notes: BATCH_EXIT_NOTE,
  options: {
    providers: PROVIDERS_OPTION,
    property: {
      type: 'string',
      multiple: true,
      description: `property to predict (repeatable; default: all of ${PROPERTY_NAMES.join(', ')}); also the MEGNet band gap at a fidelity: ${Object.keys(MEGNET_PREDICTOR_NAMES).join(', ')}`,
      valueName: 'NAME',
    },
    symprec: SYMPREC_OPTION,
    strict: STRICT_OPTION,
    json: { type: 'boolean', description: 'print the predictions (and the files that failed, with the reason) as JSON' },
  },
  async run(values, positionals, ctx) {
    if (positionals.length === 0) throw new UserError('predict needs at least one structure FILE');
    const requested = stringListOption(values, 'property');
    const names = requested.length ? requested : [...PROPERTY_NAMES];
    const known = [...PROPERTY_NAMES, ...Object.keys(MEGNET_PREDICTOR_NAMES)];
    for (const name of names) if (!known.includes(name)) throw new UserError(`--property must be one of ${known.join(', ')}, got ${quoteForMessage(name)}`);
    const symprec = numberOption(values, 'symprec', DEFAULT_SYMPREC, 1e-6, 1);
    const outcome = await runInputsForCli(
      positionals,
      async (file) => {
        const loaded = await loadStructureForCli(file);
        analyzeForCli(file, loaded, symprec); // a file whose symmetry cannot be found fails here, by name
        return loaded.structure;
      },
      { name: (file) => file, strict: values.strict === true },
    );
    let result;
    try {
      result = await predictProperties(outcome.succeeded.map((s) => s.value), names, { symprec });
    } catch (error) {
      throw new UserError(errorLine(error));
    }
    const failed = [...outcome.failures];
    const rows = outcome.succeeded.flatMap((s, i) => {
      const error = result.errors[i];
      if (error) {
        failed.push({ file: s.file, error: failureReason(error, s.file) });
        return [];
      }
      return [{ file: s.file, index: i, values: result.properties.map((p) => p.values[i]!) }];
    });
    const summary = { failures: failed, total: outcome.total };
    if (values.json) {
      const finite = (v: number | undefined): number | null => (v !== undefined && Number.isFinite(v) ? v : null);
      const predictions = rows.map((row) => ({
        file: row.file,
        ...Object.fromEntries(result.properties.map((p, k) => [p.name, Number.isFinite(row.values[k]!) ? row.values[k] : null])),
        // Calibrated 68 % interval and its half-width per property (absent for a predictor without calibration).
        uncertainty: Object.fromEntries(
          result.properties.flatMap((p) => {
            const s = p.spread;
            const i = row.index;
            return s ? [[p.name, { halfWidth: finite(s.halfWidth[i]), lower: finite(s.lower[i]), upper: finite(s.upper[i]) }]] : [];
          }),
        ),
      }));
      ctx.out(JSON.stringify({ units: Object.fromEntries(result.properties.map((p) => [p.name, p.unit])), predictions, failed }, null, 2) + '\n');
      return batchExitCode(ctx, summary);
    }
    // One column per property, then its calibrated ± (68 % half-width) where the predictor has one.
    const header = ['file', ...result.properties.flatMap((p) => [p.unit ? `${p.name} (${p.unit})` : p.name, ...(p.spread ? ['±'] : [])])];
    const lines = [header.join('\t')];
    for (const row of rows) {
      const cells = result.properties.flatMap((p, k) => {
        const v = row.values[k]!;
        const w = p.spread?.halfWidth[row.index];
        return [Number.isFinite(v) ? v.toFixed(3) : '-', ...(p.spread ? [w !== undefined && Number.isFinite(w) ? w.toFixed(3) : '-'] : [])];
      });
      lines.push([safeMessageLine(row.file, 500), ...cells].join('\t'));
    }
    lines.push(...failureReportLines(failed, outcome.total));
    ctx.out(lines.join('\n') + '\n');
    return batchExitCode(ctx, summary);
  },
};

export const predictorImportMegnetCommand: Command = {
  path: ['predictor', 'import-megnet'],
  summary: "convert matgl's multi-fidelity MEGNet band-gap folder (model.json + state.pt) into a shipped predictor folder",
  positionals: 'DIR',
  options: {
    out: { type: 'string', description: `output folder (default: ${shippedMegnetDir()})`, valueName: 'DIR' },
    commit: { type: 'string', description: 'matgl git commit the folder was taken from (recorded in the card)', valueName: 'SHA' },
    note: { type: 'string', description: 'free text recorded in the card', valueName: 'TEXT' },
  },
  async run(values, positionals, ctx) {
    if (positionals.length !== 1) throw new UserError('predictor import-megnet needs exactly one matgl model folder');
    const out = stringOption(values, 'out') ?? shippedMegnetDir();
    await checkOutputDirectory(out);
    const commit = stringOption(values, 'commit');
    const note = stringOption(values, 'note');
    const card = await importMatglMegnet(positionals[0]!, out, { ...(commit ? { commit } : {}), ...(note ? { note } : {}) }).catch((error: Error) => {
      throw new UserError(errorLine(error));
    });
    ctx.out(`${out}: ${card.source.model}, ${card.parameterCount} parameters, ${card.matgl.elementTypes.length} elements, fidelities ${card.fidelities.join(', ')}, licence ${card.licence}\n`);
  },
};

export const predictorCalibrateCommand: Command = {
  path: ['predictor', 'calibrate'],
  summary: "give a predictor folder a calibrated uncertainty (68 % interval per prediction bin) from held-out residuals, written into its card",
  options: {
    property: { type: 'string', description: `property: ${PROPERTY_NAMES.join(' | ')}`, valueName: 'NAME' },
    val: { type: 'string', description: 'held-out token dataset (never trained on by this model)', valueName: 'DIR' },
    'val-split': { type: 'string', description: 'rows of --val: all (default) | val', valueName: 'SPLIT' },
    model: { type: 'string', description: 'predictor folder (default: the shipped one, models/predictor-<name>)', valueName: 'DIR' },
    values: { type: 'string', multiple: true, description: 'CSV with material_id and the property column, instead of the defaults (repeatable)', valueName: 'FILE' },
  },
  async run(values, _positionals, ctx) {
    const property = requiredString(values, 'property');
    if (!isPropertyName(property)) throw new UserError(`--property must be one of ${PROPERTY_NAMES.join(', ')}, got ${quoteForMessage(property)}`);
    const valSplit = stringOption(values, 'val-split') ?? 'all';
    if (valSplit !== 'all' && valSplit !== 'val') throw new UserError(`--val-split must be all or val, got ${quoteForMessage(valSplit)}`);
    const valueFiles = stringListOption(values, 'values');
    const calibration = await calibrateShippedPredictor({
      property,
      modelDir: stringOption(values, 'model') ?? shippedModelDir(property),
      valData: requiredString(values, 'val'),
      valSplit,
      ...(valueFiles.length ? { valueFiles } : {}),
    }).catch((error: Error) => {
      throw new UserError(errorLine(error));
    });
    ctx.out(`${property}: ${calibration.heldOut}; ${calibration.space} half-widths ${calibration.halfWidths.map((w) => w.toFixed(3)).join(', ')} for predictions split at ${calibration.edges.map((e) => e.toFixed(3)).join(', ')}\n`);
  },
};

export const predictorCommands: Command[] = [predictorTrainCommand, predictCommand, predictorImportMegnetCommand, predictorCalibrateCommand];
