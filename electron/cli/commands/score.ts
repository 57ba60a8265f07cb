import { stat } from 'node:fs/promises';
import { type Command, UserError, stringOption } from '../command.ts';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { readStructureFile, readStructureText } from '../../../shared/io/index.ts';
import { readCsvRecords } from '../../data/csv-source.ts';
import { loadModel } from '../../engine/model/files.ts';
import { type ScoreInput, scoreStructures } from '../../engine/train/score.ts';

export const scoreCommand: Command = {
  path: ['score'],
  summary: "The model's negative log-likelihood of structures (CIF/POSCAR files or a CSV with a cif column), total and per token type",
  positionals: 'FILE|CSV…',
  options: {
    model: { type: 'string', description: 'model name in models/ or a model folder (default: default)', valueName: 'NAME|DIR' },
    symprec: { type: 'string', description: 'symmetry tolerance in Å for the Wyckoff description (default 0.01)', valueName: 'Å' },
    json: { type: 'boolean', description: 'print per-crystal results and the averages as JSON' },
  },
  async run(values, positionals, ctx) {
    if (positionals.length === 0) throw new UserError('give at least one CIF, POSCAR or CSV file');
    await initSymmetry();
    const inputs: ScoreInput[] = [];
    for (const file of positionals) {
      try {
        await stat(file);
      } catch {
        throw new UserError(`${file}: no such file`);
      }
      if (/\.csv(\.gz)?$/i.test(file)) {
        for await (const record of readCsvRecords([file])) {
          try {
            inputs.push({ name: record.id, structure: readStructureText(record.cif, { format: 'cif', fileName: `${file}:${record.line}` }).structure });
          } catch (error) {
            throw new UserError(`${file}:${record.line}: ${(error as Error).message}`);
          }
        }
      } else {
        try {
          inputs.push({ name: file, structure: (await readStructureFile(file)).structure });
        } catch (error) {
          throw new UserError((error as Error).message);
        }
      }
    }
    let model;
    try {
      model = await loadModel(stringOption(values, 'model') ?? 'default');
    } catch (error) {
      throw new UserError((error as Error).message);
    }
    const symprec = Number(stringOption(values, 'symprec') ?? '0.01');
    const results = await scoreStructures(model, inputs, symprec);
    const scored = results.filter((r) => r.nll);
    const mean = (f: (r: (typeof scored)[number]) => number) => (scored.length ? scored.reduce((s, r) => s + f(r), 0) / scored.length : NaN);
    const average = {
      crystals: scored.length,
      failed: results.length - scored.length,
      total: mean((r) => r.nll!.total),
      wyckoff: mean((r) => r.nll!.wyckoff),
      atoms: mean((r) => r.nll!.atoms),
      coords: mean((r) => r.nll!.coords),
      lattice: mean((r) => r.nll!.lattice),
      perToken: mean((r) => r.nllPerToken!),
    };
    if (values.json) {
      ctx.out(JSON.stringify({ model: model.card.name, results, average }, null, 2) + '\n');
      return;
    }
    const f = (x: number) => x.toFixed(3).padStart(9);
    ctx.out(`${'name'.padEnd(28)} ${'group'.padStart(5)} ${'NLL'.padStart(9)} ${'W'.padStart(9)} ${'A'.padStart(9)} ${'xyz'.padStart(9)} ${'lattice'.padStart(9)} ${'per tok'.padStart(9)}\n`);
    for (const r of results) {
      if (!r.nll) ctx.out(`${r.name.slice(-28).padEnd(28)} ${String(r.spaceGroup ?? '-').padStart(5)} error: ${r.error}\n`);
      else ctx.out(`${r.name.slice(-28).padEnd(28)} ${String(r.spaceGroup).padStart(5)} ${f(r.nll.total)} ${f(r.nll.wyckoff)} ${f(r.nll.atoms)} ${f(r.nll.coords)} ${f(r.nll.lattice)} ${f(r.nllPerToken!)}\n`);
    }
    if (results.length > 1) ctx.out(`${'mean'.padEnd(28)} ${''.padStart(5)} ${f(average.total)} ${f(average.wyckoff)} ${f(average.atoms)} ${f(average.coords)} ${f(average.lattice)} ${f(average.perToken)}  (${average.crystals} crystals${average.failed ? `, ${average.failed} failed` : ''})\n`);
  },
};
