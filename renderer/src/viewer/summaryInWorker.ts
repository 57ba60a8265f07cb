/** The UI thread's side of summary.worker.ts: one worker per structure, ended when it answers or its time is up. */
import moyoWasmUrl from '@spglib/moyo-wasm/moyo_wasm_bg.wasm?url';
import type { Structure } from '../../../shared/crystal/structure.ts';
import type { StructureSummary } from './structureSummary.ts';
import type { SummaryReply, SummaryRequest } from './summary.worker.ts';

/** Real crystals take milliseconds; the limit only stops pathological inputs. */
export const SUMMARY_TIME_LIMIT_MS = 15_000;

export function summarizeInWorker(structure: Structure, dataName: string): { result: Promise<StructureSummary>; cancel: () => void } {
  const worker = new Worker(new URL('./summary.worker.ts', import.meta.url), { type: 'module' });
  let cancel = () => {};
  const result = new Promise<StructureSummary>((resolve, reject) => {
    const timer = setTimeout(() => {
      worker.terminate();
      reject(new Error(`the symmetry analysis did not finish within ${SUMMARY_TIME_LIMIT_MS / 1000} s`));
    }, SUMMARY_TIME_LIMIT_MS);
    cancel = () => {
      clearTimeout(timer);
      worker.terminate();
    };
    worker.onerror = (event) => {
      cancel();
      reject(new Error(event.message || 'the summary worker failed'));
    };
    worker.onmessage = (event: MessageEvent<SummaryReply>) => {
      cancel();
      if (event.data.kind === 'summary') resolve(event.data.summary);
      else reject(new Error(event.data.message));
    };
    const request: SummaryRequest = {
      lattice: structure.lattice.matrix,
      sites: structure.sites.map((s) => ({ species: s.species, frac: s.frac })),
      dataName,
      wasmUrl: new URL(moyoWasmUrl, window.location.href).href,
    };
    worker.postMessage(request);
  });
  return { result, cancel };
}
