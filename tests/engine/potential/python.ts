/**
 * The Python the potential tests compare against: Debian's /usr/bin/python3 with python3-ase (which brings numpy
 * and scipy) and python3-spglib. Tests that need it skip, with the reason printed, when there is none.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

function findPython(): string | undefined {
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    const probe = spawnSync(candidate, ['-c', 'import ase, scipy.linalg, spglib'], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

export const python = findPython();
if (!python) console.warn('skipping the comparisons with ASE: no python3 with ase, scipy and spglib (apt-get install python3-ase python3-spglib)');

/** Runs a Python script (a file path, or code with `-c`) with JSON on stdin and parses the JSON it prints. */
export function runPython<T>(args: string[], input: unknown): T {
  // One BLAS thread: the matrices are 3×3, and the machine's cores are shared.
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
  const run = spawnSync(python!, args, { input: JSON.stringify(input), encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20, env });
  if (run.status !== 0) throw new Error(`python failed (${run.status}): ${run.stderr.slice(-2000)}`);
  return JSON.parse(run.stdout) as T;
}

export const ASE_RELAX_SCRIPT = resolve(import.meta.dirname, 'ase_relax.py');
