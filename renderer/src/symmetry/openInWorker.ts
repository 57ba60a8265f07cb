/**
 * The UI thread's side of structure.worker.ts: one worker per file, terminated when it answers or when its time is
 * up. Reading and symmetry analysis never run on the UI thread; a file whose analysis does not finish in time is
 * still shown, with "symmetry not found: … time limit" instead of its space group.
 */
import type { Mat3 } from '../../../shared/crystal/linalg.ts';
import type { Site } from '../../../shared/crystal/structure.ts';
import type { StructureWorkerMessage, StructureWorkerRequest } from './readStructure.ts';

/** Reading plus analysis of one file; real crystals take milliseconds. */
export const OPEN_TIME_LIMIT_MS = 15_000;

export interface OpenedStructureData {
  name: string;
  lattice: Mat3;
  sites: Site[];
  symmetry: string;
  /** What the reader noticed, e.g. partially occupied sites read as full atoms. */
  warnings: string[];
}

/** The parts of a Worker used here, so that tests can stand in for the browser's. */
export interface WorkerLike {
  onmessage: ((event: MessageEvent<StructureWorkerMessage>) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
  postMessage(message: StructureWorkerRequest): void;
  terminate(): void;
}

export function createStructureWorker(): WorkerLike {
  return new Worker(new URL('./structure.worker.ts', import.meta.url), { type: 'module' }) as unknown as WorkerLike;
}

export function openStructureInWorker(
  fileName: string,
  text: string,
  options: { wasmUrl?: string; timeLimitMs?: number; createWorker?: () => WorkerLike; allowPartialOccupancy?: boolean } = {},
): Promise<OpenedStructureData> {
  const timeLimitMs = options.timeLimitMs ?? OPEN_TIME_LIMIT_MS;
  const worker = (options.createWorker ?? createStructureWorker)();
  return new Promise<OpenedStructureData>((resolve, reject) => {
    let read: Extract<StructureWorkerMessage, { kind: 'read' }> | undefined;
    const finish = () => {
      clearTimeout(timer);
      worker.onmessage = null;
      worker.onerror = null;
      worker.terminate();
    };
    const timer = setTimeout(() => {
      finish();
      const limit = `${timeLimitMs / 1000} s`;
      if (read) resolve({ name: read.name, lattice: read.lattice, sites: read.sites, warnings: read.warnings ?? [], symmetry: `symmetry not found: the analysis did not finish within its time limit of ${limit}` });
      else reject(new Error(`${fileName}: reading the file did not finish within its time limit of ${limit}`));
    }, timeLimitMs);
    worker.onerror = (event) => {
      finish();
      reject(new Error(`${fileName}: ${event.message || 'the structure worker failed'}`));
    };
    worker.onmessage = (event) => {
      const message = event.data;
      if (message.kind === 'error') {
        finish();
        reject(new Error(message.message));
      } else if (message.kind === 'read') {
        read = message;
      } else if (read) {
        finish();
        const letters = message.wyckoffLetters;
        resolve({
          name: read.name,
          lattice: read.lattice,
          sites: letters ? read.sites.map((site, i) => ({ ...site, wyckoff: site.wyckoff ?? letters[i] })) : read.sites,
          symmetry: message.symmetry,
          warnings: read.warnings ?? [],
        });
      }
    };
    worker.postMessage({
      fileName,
      text,
      ...(options.wasmUrl !== undefined ? { wasmUrl: options.wasmUrl } : {}),
      ...(options.allowPartialOccupancy ? { allowPartialOccupancy: true } : {}),
    });
  });
}
