/**
 * Opening a potential folder, as `--potential DIR` and the relax/energy jobs name one:
 *   - a folder with `potential.json` holding `{"kind": "lennard-jones", "sigma": …, "epsilon": …, "rc": …, "ro": …,
 *     "smooth": …}` is the analytic Lennard-Jones potential (./analytic.ts) — for tests and demonstrations;
 *   - anything else is read as an M3GNet potential (a matgl model folder or one we ship, ./m3gnet.ts).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LennardJonesPotential, type LennardJonesParameters } from './analytic.ts';
import { M3GNetPotential } from './m3gnet.ts';
import { ShardedPotential } from './sharded.ts';
import type { Potential } from './types.ts';

/** The potential every command and job uses unless told otherwise, relative to the repository. */
export const DEFAULT_POTENTIAL_DIR = 'models/potential-m3gnet-mp-2021';

export function defaultPotentialDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../..', DEFAULT_POTENTIAL_DIR);
}

export interface LoadPotentialOptions {
  /** onnxruntime threads for M3GNet (default 1). */
  threads?: number;
  /**
   * Worker threads that each evaluate a share of every batch (default 1: the potential runs on the calling thread).
   * Above 1, M3GNet runs sharded (./sharded.ts) with one single-threaded session per worker and `threads` is unused.
   */
  workers?: number;
}

/** Loads the potential in `dir`; errors are one line naming the folder or file. */
export async function loadPotential(dir: string, options: LoadPotentialOptions = {}): Promise<Potential> {
  if (!existsSync(dir)) throw new Error(`${dir}: no such potential folder`);
  if (!statSync(dir).isDirectory()) throw new Error(`${dir}: a potential is a folder (model.json + weights), not a file`);
  const analytic = join(dir, 'potential.json');
  if (existsSync(analytic)) return new LennardJonesPotential(readLennardJones(analytic));
  if ((options.workers ?? 1) > 1) return ShardedPotential.start(dir, options.workers!);
  return M3GNetPotential.load(dir, options.threads !== undefined ? { threads: options.threads } : {});
}

function readLennardJones(path: string): LennardJonesParameters {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message.split('\n')[0]})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${path}: expected a JSON object`);
  const record = json as Record<string, unknown>;
  if (record.kind !== 'lennard-jones') throw new Error(`${path}: kind must be "lennard-jones", got ${JSON.stringify(record.kind)}`);
  const parameters: LennardJonesParameters = {};
  for (const key of ['sigma', 'epsilon', 'rc', 'ro'] as const) {
    const value = record[key];
    if (value === undefined) continue;
    if (typeof value !== 'number') throw new Error(`${path}: ${key} must be a number, got ${JSON.stringify(value)}`);
    parameters[key] = value;
  }
  if (record.smooth !== undefined) {
    if (typeof record.smooth !== 'boolean') throw new Error(`${path}: smooth must be true or false, got ${JSON.stringify(record.smooth)}`);
    parameters.smooth = record.smooth;
  }
  try {
    new LennardJonesPotential(parameters);
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
  return parameters;
}
