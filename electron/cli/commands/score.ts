import { stat } from 'node:fs/promises';
import { type Command, PROVIDERS_OPTION, BATCH_EXIT_NOTE, STRICT_OPTION, UserError, batchExitCode, numberOption, runInputsForCli, stringOption } from '../command.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { readStructureText } from '../../../shared/io/index.ts';
import { failureReason, failureReportLines, runEachInput } from '../../../shared/batch/each-input.ts';
import { safeMessageLine } from '../../../shared/text/safe-text.ts';
import { loadStructureForCli } from './inspect.ts';
import { readCsvRecords } from '../../data/csv-source.ts';
import { loadModel } from '../../engine/model/files.ts';
import { type ScoreInput, scoreStructures } from '../../engine/train/score.ts';

export const scoreCommand: Command = {
  path: ['score'],
  summary: "The model's negative log-likelihood of structures (CIF/POSCAR files or a CSV with a cif column), total and per token type",
  positionals: 'FILE|CSV…',
  options: {
    providers: PROVIDERS_OPTION,
    model: { type: 'string', description: 'model name in models/ or a model folder (default: default)', valueName: 'NAME|DIR' },
    symprec: { type: 'string', description: 'symmetry tolerance in Å for the Wyckoff description (default 0.01)', valueName: 'Å' },
    json: { type: 'boolean', description: 'print per-crystal results, the averages and the inputs that failed as JSON' },
    strict: STRICT_OPTION,
  },
  notes: `${BATCH_EXIT_NOTE} Each CSV row is an input of its own (named FILE:LINE).`,
  async run(values, positionals, ctx) {
    if (positionals.length === 0) throw new UserError('give at least one CIF, POSCAR or CSV file');
    const strict = values.strict === true;
    await initSymmetry();
    // Files first (a CSV that cannot be read fails as a whole), then every CSV row on its own: a bad row is a
    // failure named FILE:LINE and the other rows are still scored.
    type Unit = { name: string; structure?: ScoreInput['structure']; cif?: string };
    const files = await runInputsForCli(
      positionals,
      async (file): Promise<Unit[]> => {
        if (!/\.csv(\.gz)?$/i.test(file)) return [{ name: file, structure: (await loadStructureForCli(file)).structure }];
        try {
          await stat(file);
        } catch {
          throw new UserError(`${file}: no such file`);
        }
        const rows: Unit[] = [];
        for await (const record of readCsvRecords([file])) rows.push({ name: `${file}:${record.line}`, cif: record.cif });
        return rows;
      },
      { name: (file) => file, strict },
    );
    const units = files.succeeded.flatMap((s) => s.value);
    const rows = await runEachInput(
      units,
      (unit): ScoreInput => ({ name: unit.name, structure: unit.structure ?? readStructureText(unit.cif!, { format: 'cif', fileName: unit.name }).structure }),
      { name: (unit) => unit.name, strict },
    );
    const inputs = rows.succeeded.map((s) => s.value);
    let model;
    try {
      model = await loadModel(stringOption(values, 'model') ?? 'default');
    } catch (error) {
      throw new UserError((error as Error).message);
    }
    const symprec = numberOption(values, 'symprec', 0.01, 1e-6, 1);
    const results = await scoreStructures(model, inputs, symprec);
    const failed = [...files.failures, ...rows.failures];
    for (const r of results) {
      if (r.nll) continue;
      const failure = { file: r.name, error: failureReason(r.error ?? 'could not be scored', r.name) };
      if (strict) throw new UserError(failure.error);
      failed.push(failure);
    }
    const outcome = { failures: failed, total: rows.total + files.failures.length };
    const scored = results.filter((r) => r.nll);
    const mean = (f: (r: (typeof scored)[number]) => number) => (scored.length ? scored.reduce((s, r) => s + f(r), 0) / scored.length : NaN);
    const average = {
      crystals: scored.length,
      failed: failed.length,
      total: mean((r) => r.nll!.total),
      wyckoff: mean((r) => r.nll!.wyckoff),
      atoms: mean((r) => r.nll!.atoms),
      coords: mean((r) => r.nll!.coords),
      lattice: mean((r) => r.nll!.lattice),
      perToken: mean((r) => r.nllPerToken!),
    };
    if (values.json) {
      ctx.out(JSON.stringify({ model: model.card.name, results: scored, average, failed }, null, 2) + '\n');
      return batchExitCode(ctx, outcome);
    }
    const f = (x: number) => x.toFixed(3).padStart(9);
    ctx.out(`${'name'.padEnd(28)} ${'group'.padStart(5)} ${'NLL'.padStart(9)} ${'W'.padStart(9)} ${'A'.padStart(9)} ${'xyz'.padStart(9)} ${'lattice'.padStart(9)} ${'per tok'.padStart(9)}\n`);
    for (const r of scored) {
      ctx.out(`${safeMessageLine(r.name.slice(-28), 28).padEnd(28)} ${String(r.spaceGroup).padStart(5)} ${f(r.nll!.total)} ${f(r.nll!.wyckoff)} ${f(r.nll!.atoms)} ${f(r.nll!.coords)} ${f(r.nll!.lattice)} ${f(r.nllPerToken!)}\n`);
    }
    if (scored.length > 1) ctx.out(`${'mean'.padEnd(28)} ${''.padStart(5)} ${f(average.total)} ${f(average.wyckoff)} ${f(average.atoms)} ${f(average.coords)} ${f(average.lattice)} ${f(average.perToken)}  (${average.crystals} crystals${average.failed ? `, ${average.failed} failed` : ''})\n`);
    const failureLines = failureReportLines(failed, outcome.total);
    if (failureLines.length) ctx.out(failureLines.join('\n') + '\n');
    return batchExitCode(ctx, outcome);
  },
};
