/**
 * Training runs say in their run.json which execution provider each workload ran on (`providers`, e.g.
 * `{ "training": "cpu", "sampling": "webgpu" }`) and, for a resumed run, on what it ran before (`providerHistory`):
 * a result measured on a GPU and one on a CPU should be told apart when compared.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { providersUsed } from './runtime.ts';

export async function recordRunProviders(runFile: string): Promise<Record<string, string>> {
  const run = JSON.parse(await readFile(runFile, 'utf8')) as Record<string, unknown>;
  const providers: Record<string, string> = { ...providersUsed() };
  const previous = run.providers;
  if (previous && typeof previous === 'object' && JSON.stringify(previous) !== JSON.stringify(providers)) {
    const history = Array.isArray(run.providerHistory) ? run.providerHistory : [];
    run.providerHistory = [...history, previous];
  }
  run.providers = providers;
  await writeFile(runFile, JSON.stringify(run, null, 2));
  return providers;
}
