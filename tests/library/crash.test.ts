import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openLibrary } from '../../electron/library/index.ts';

const root = mkdtempSync(join(tmpdir(), 'cfs-library-crash-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('a host killed with SIGKILL mid-run loses at most the sample in flight and leaves a sound database', async () => {
  const workspace = join(root, 'workspace');
  // The "host": stores samples one by one as a sampler would, reporting each id only after addStructure returned.
  const script = join(root, 'host.mts'); // .mts: ESM outside the package's "type": "module"
  writeFileSync(script, [
    `import { openLibrary } from ${JSON.stringify(resolve('electron/library/index.ts'))};`,
    `import { Lattice } from ${JSON.stringify(resolve('shared/crystal/lattice.ts'))};`,
    `import { Structure } from ${JSON.stringify(resolve('shared/crystal/structure.ts'))};`,
    'const library = openLibrary(process.argv[2]);',
    "const run = library.createRun({ kind: 'generate', status: 'running' });",
    'for (let i = 0; ; i++) {',
    "  const structure = Structure.fromSpecies(Lattice.cubic(4 + (i % 7) * 0.1), ['Cs', 'Cl'], [[0, 0, 0], [0.5, 0.5, 0.5]]);",
    "  const id = library.addStructure({ structure, runId: run.id, name: `sample-${i}`, reward: i, spaceGroupFound: 221, tags: ['stream'], tokens: [221, i] });",
    '  library.addMetrics(run.id, i, { reward: i });',
    '  process.stdout.write(`committed ${id}\\n`);',
    '}',
  ].join('\n'));

  const child = spawn(process.execPath, ['--import', 'tsx', script, workspace], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  let lastCommitted = 0;
  let stderr = '';
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    // Only whole lines count: a line is written after its sample was committed.
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) lastCommitted = Number(/^committed (\d+)$/.exec(line)![1]);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, signal) => done(signal)));
  const deadline = Date.now() + 50_000;
  while (lastCommitted < 40 && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  child.kill('SIGKILL'); // while it is busy writing the next samples
  expect(await exited, stderr).toBe('SIGKILL');
  expect(lastCommitted).toBeGreaterThanOrEqual(40);

  const library = openLibrary(workspace); // recovers the WAL
  try {
    expect(library.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(library.db.pragma('foreign_key_check')).toEqual([]);
    const count = library.countStructures();
    // Every reported sample is there; at most one more (committed after its line was written but before the kill).
    expect(count).toBeGreaterThanOrEqual(lastCommitted);
    expect(count).toBeLessThanOrEqual(lastCommitted + 1);
    const ids = library.selectIds();
    expect(ids).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    // Each committed sample is complete: its element and tag links were committed with it.
    const last = library.getStructure(ids.at(-1)!)!;
    expect(last).toMatchObject({ formula: 'CsCl', elements: ['Cl', 'Cs'], tags: ['stream'], spaceGroupFound: 221, reward: count - 1 });
    expect(Array.from(last.tokens!)).toEqual([221, count - 1]);
    expect(library.countStructures({ elements: { include: ['Cs', 'Cl'] }, tags: ['stream'] })).toBe(count);
    // The run the dead host left 'running' is marked failed at the next start-up.
    expect(library.markInterruptedRuns()).toBe(1);
    expect(library.listRuns()[0]!.status).toBe('failed');
    console.log(`library crash test: ${lastCommitted} samples reported before SIGKILL, ${count} rows after reopening`);
  } finally {
    library.close();
  }
});
