import { access } from 'node:fs/promises';
import { type Command, UserError, intOption, numberOption, requiredString } from '../command.ts';
import { DEFAULT_SYMPREC } from '../../../shared/symmetry/analyze.ts';
import { prepareDataset } from '../../data/prepare.ts';
import { checkOutputDirectory } from '../output-paths.ts';

export const dataPrepareCommand: Command = {
  path: ['data', 'prepare'],
  summary: 'convert structure CSVs (cif column, plain or gzip) into a tokenized, de-duplicated, split training dataset',
  options: {
    in: { type: 'string', description: 'input CSV file(s), comma-separated; each needs a cif column (.csv or .csv.gz)', valueName: 'CSV[,CSV…]' },
    out: { type: 'string', description: 'output directory for the binary dataset and manifest.json', valueName: 'DIR' },
    'val-fraction': { type: 'string', description: 'fraction of material ids put in the validation split by id hash (default 0.1; 0 = all train, 1 = all validation)', valueName: 'F' },
    workers: { type: 'string', description: 'worker threads for the symmetry analysis (default 2; 0 = in this thread)', valueName: 'N' },
    symprec: { type: 'string', description: `symmetry tolerance in Å (default ${DEFAULT_SYMPREC}, as CrystalFormer's preprocessing)`, valueName: 'Å' },
    json: { type: 'boolean', description: 'print the manifest as JSON on standard output' },
  },
  async run(values, _positionals, ctx) {
    const inputs = requiredString(values, 'in')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (inputs.length === 0) throw new UserError('--in needs at least one CSV file');
    for (const file of inputs) {
      try {
        await access(file);
      } catch {
        throw new UserError(`${file}: no such file`);
      }
    }
    const outDir = requiredString(values, 'out');
    await checkOutputDirectory(outDir);
    const valFraction = numberOption(values, 'val-fraction', 0.1, 0, 1);
    const workers = intOption(values, 'workers', 2, 0, 64);
    const symprec = numberOption(values, 'symprec', DEFAULT_SYMPREC, 1e-6, 1);
    const manifest = await prepareDataset({
      inputs,
      outDir,
      valFraction,
      workers,
      symprec,
      progress: { write: (text) => process.stderr.write(text), isTTY: process.stderr.isTTY === true },
    });
    if (values.json) {
      ctx.out(JSON.stringify(manifest, null, 2) + '\n');
      return;
    }
    const { counts, skipped, timing } = manifest;
    ctx.log(`${counts.rows} rows → ${counts.kept} crystals (train ${counts.train}, validation ${counts.val}) in ${outDir}`);
    const reasons = Object.entries(skipped).filter(([, n]) => n > 0);
    ctx.log(`skipped ${counts.skipped}${reasons.length ? `: ${reasons.map(([r, n]) => `${r} ${n}`).join(', ')}` : ''}`);
    ctx.log(`${timing.seconds.toFixed(1)} s, ${timing.rowsPerSecond.toFixed(1)} rows/s with ${timing.workers} worker(s)`);
  },
};
