/**
 * The backend over the typed API contract (shared/api): the desktop app's preload bridge or `cfstudio serve`.
 * Generation is the engine host's 'generate' job: submitted through the job queue, followed through the pushed
 * `job` (state, progress) and `job-output` (one candidate per crystal) events, cancelled with `jobs.cancel`.
 * The library view reads the workspace library through `library.*`; exports run the 'export-structures' job.
 */
import type { ApiClient } from '../../../shared/api/client.ts';
import type { ApiResult } from '../../../shared/api/contract.ts';
import type { GeneratedCandidate, GenerateParams, ImportedStructureItem, JobInfo, JobResult, RelaxOutput, StructureFile } from '../../../shared/api/jobs.ts';
import { isFinished } from '../../../shared/api/jobs.ts';
import { predictionsOfRow } from './predictions.ts';
import { openStructureFile } from '../views/ViewerView.tsx';
import { createJobsBackend } from './jobs.ts';
import type { Candidate, GenerationEvent, GenerationRequest, LibraryBackend, LibraryImportResult, MenuCommand, ModelSummary, RelaxedEntry, StudioBackend, StructureData } from './backend.ts';

/** The job params for a prompt built in the UI. */
export function generateParamsFor(request: GenerationRequest): GenerateParams {
  const params: GenerateParams = {
    model: request.modelId,
    spaceGroups: request.spaceGroup === 'training-distribution' ? 'training-distribution' : [request.spaceGroup],
    n: request.samples,
    temperature: request.temperature,
    topP: request.topP,
    // Small batches: the job checks for cancel between batches, and the first crystals show up sooner.
    batchSize: Math.min(32, request.samples),
  };
  if (request.seed !== null) params.seed = request.seed;
  if (request.scoreEHull) params.scoreEHull = true;
  if (request.allowedElements.length > 0) params.elements = request.allowedElements;
  if (request.sites.length > 0 && request.spaceGroup !== 'training-distribution') {
    params.wyckoff = { letters: request.sites.map((s) => s.letter), complete: request.completePrompt };
    const perSite = request.sites.map((s) => (s.tiedTo === null && s.elements.length > 0 ? s.elements : null));
    if (perSite.some((set) => set !== null)) params.siteElements = perSite;
    const ties = request.sites.flatMap((s, j) => (s.tiedTo === null ? [] : [[s.tiedTo, j] as [number, number]]));
    if (ties.length > 0) params.ties = ties;
  }
  return params;
}

export function candidateFromOutput(jobId: string, item: GeneratedCandidate): Candidate {
  return {
    id: item.id !== null ? `lib-${item.id}` : `${jobId}-${item.index}`,
    ...(item.id !== null ? { libraryId: item.id } : {}),
    formula: item.formula ?? 'not built',
    spaceGroup: item.spaceGroupRequested,
    spaceGroupFound: item.spaceGroupFound,
    structure: item.structure as StructureData | null,
    logLikelihood: item.logProbability,
    minDistance: item.minDistance,
    valid: item.valid,
    favourite: false,
    index: item.index,
    wyckoffLabel: item.wyckoffLabel,
    ...(item.error ? { error: item.error } : {}),
    ...(item.score ? { score: item.score } : {}),
    ...(item.plausibility ? { plausibility: item.plausibility } : {}),
  };
}

/** Resolves when the job reaches a final state (pushed `job` events, with a slow poll as a safety net). */
function waitForJob(client: ApiClient, id: string): Promise<JobInfo> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (job: JobInfo) => {
      if (done || !isFinished(job.status)) return;
      done = true;
      off();
      clearInterval(timer);
      resolve(job);
    };
    const off = client.on('job', (event) => {
      if (event.job.id === id) finish(event.job);
    });
    const poll = () =>
      client.call('jobs.get', { id }).then(finish, (error: unknown) => {
        done = true;
        off();
        clearInterval(timer);
        reject(error as Error);
      });
    const timer = setInterval(poll, 1000);
    void poll();
  });
}

function triggerDownload(href: string, fileName: string): void {
  const link = document.createElement('a');
  link.href = href;
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
}

export function createLibraryBackend(client: ApiClient, kind: 'desktop' | 'browser'): LibraryBackend {
  return {
    async query(query) {
      const page = await client.call('library.query', {
        ...(query.spaceGroups?.length ? { spaceGroups: query.spaceGroups } : {}),
        ...(query.elements?.length ? { elements: { include: query.elements } } : {}),
        ...(query.valid !== undefined ? { valid: query.valid } : {}),
        ...(query.favourite ? { favourite: true } : {}),
        ...(query.source ? { source: query.source } : {}),
        ...(query.search ? { search: query.search } : {}),
        ...(query.maxEHull !== undefined ? { eHull: { max: query.maxEHull } } : {}),
        ...(query.tags?.length ? { tags: query.tags } : {}),
        ...(query.chargeBalanced !== undefined ? { chargeBalanced: query.chargeBalanced } : {}),
        ...(query.contactsPlausible !== undefined ? { contactsPlausible: query.contactsPlausible } : {}),
        sort: query.sort,
        limit: query.limit,
        offset: query.offset,
      });
      return { rows: page.rows, total: page.total };
    },
    async open(id) {
      const row = await client.call('library.get', { id });
      const opened = await openStructureFile(`${id}-${row.formula}.cif`, row.cif, id);
      const s = opened.structure;
      return {
        id: `lib-${id}`,
        libraryId: id,
        formula: row.formula,
        spaceGroup: row.spaceGroupRequested ?? row.spaceGroupFound ?? 1,
        spaceGroupFound: row.spaceGroupFound,
        structure: { lattice: s.lattice.matrix, sites: s.sites.map((site) => ({ ...site })) },
        ...(row.logProbability !== null ? { logLikelihood: row.logProbability } : {}),
        ...(typeof row.validity['minDistance'] === 'number' ? { minDistance: row.validity['minDistance'] } : {}),
        ...(row.valid !== null ? { valid: row.valid } : {}),
        favourite: row.favourite,
        ...(row.plausibility ? { plausibility: row.plausibility } : {}),
        ...predictionsOfRow(row.properties),
        ...(row.energyKind !== null
          ? { score: { kind: row.energyKind, eHull: row.eHull, energyPerAtom: row.energyPerAtom, formationEnergyPerAtom: row.formationEnergyPerAtom } }
          : {}),
      };
    },
    async setFavourite(ids, favourite) {
      await client.call('library.setFavourite', { ids, favourite });
    },
    async score(ids) {
      const job = await client.submitJob('energy', { ids, saveToLibrary: true });
      const done = await waitForJob(client, job.id);
      if (done.status !== 'completed') throw new Error(`Scoring ${done.status}: ${done.error ?? 'no reason given'}`);
      const result = done.result as JobResult<'energy'>;
      return { scored: result.saved, failed: result.failed };
    },
    async relax(ids, onProgress) {
      const job = await client.submitJob('relax', { ids, saveToLibrary: true, trajectory: false });
      const off = client.on('job', (event) => {
        if (event.job.id === job.id && event.job.progress) onProgress?.(event.job.progress.done, event.job.progress.total ?? ids.length);
      });
      let done: JobInfo;
      try {
        done = await waitForJob(client, job.id);
      } finally {
        off();
      }
      if (done.status !== 'completed') throw new Error(`Relax ${done.status}: ${done.error ?? 'no reason given'}`);
      const outputs = (await client.call('jobs.outputs', { id: job.id, offset: 0 })) as RelaxOutput[];
      return outputs.flatMap((o): RelaxedEntry[] =>
        o.kind === 'relaxed'
          ? [{ parentId: o.libraryId ?? null, savedId: o.savedId ?? null, status: o.status, eHull: o.eHull, energyPerAtom: o.energyPerAtom, ...(o.saveError ? { error: o.saveError } : o.message ? { error: o.message } : {}) }]
          : o.kind === 'failed'
            ? [{ parentId: Number(/#(\d+)/.exec(o.source)?.[1] ?? NaN) || null, savedId: null, status: 'failed', eHull: null, energyPerAtom: null, error: o.error }]
            : [],
      );
    },
    async export(ids, format = 'zip') {
      if (format !== 'zip') return exportOneFile(client, kind, ids, format);
      const single = ids.length === 1;
      if (kind === 'desktop') {
        const chosen = await client.call('dialog.saveFile', {
          title: 'Export structures',
          defaultName: 'structures.zip',
          filters: [{ name: 'Zip of CIF files', extensions: ['zip'] }],
        });
        if (!chosen.path) return { fileName: '', count: 0 };
        const job = await client.submitJob('export-structures', { selection: { ids }, format: 'zip', destination: chosen.path });
        const done = await waitForJob(client, job.id);
        if (done.status !== 'completed') throw new Error(`Export ${done.status}: ${done.error ?? 'no reason given'}`);
        const result = done.result as JobResult<'export-structures'>;
        return { fileName: result.path, count: result.count };
      }
      // Browser mode: the server writes into the job's folder, the page downloads from /api/download (the token
      // cookie set when the page was opened authenticates it).
      const job = await client.submitJob('export-structures', { selection: { ids }, format: single ? 'cif-files' : 'zip' });
      const done = await waitForJob(client, job.id);
      if (done.status !== 'completed') throw new Error(`Export ${done.status}: ${done.error ?? 'no reason given'}`);
      const result = done.result as JobResult<'export-structures'>;
      const file = single ? `${result.path}/${result.files[0]!}` : result.path;
      const fileName = single ? result.files[0]! : 'structures.zip';
      triggerDownload(`/api/download?path=${encodeURIComponent(file)}`, fileName);
      return { fileName, count: result.count };
    },
    onChanged(listener) {
      return client.on('library-changed', () => listener());
    },
    async structures(ids) {
      const list = await client.call('library.structures', { ids });
      return new Map(list.map((entry) => [entry.id, entry.structure]));
    },
    async delete(ids) {
      return (await client.call('library.delete', { ids })).deleted;
    },
    async tag(ids, add, remove) {
      await client.call('library.tag', { ids, add, remove });
    },
    tags() {
      return client.call('library.tags', {});
    },
    importFiles(files) {
      return importSources(client, files.map((f) => ({ name: f.name, text: f.text })));
    },
    ...(kind === 'desktop'
      ? {
          async importChosenFiles() {
            // No extension filter as the only choice: POSCAR and CONTCAR files usually have none.
            const chosen = await client.call('dialog.openFiles', {
              title: 'Import structures',
              filters: [
                { name: 'Structures (CIF, POSCAR)', extensions: ['cif', 'mcif', 'vasp', 'poscar'] },
                { name: 'All files', extensions: ['*'] },
              ],
            });
            return chosen.paths.length === 0 ? null : importSources(client, chosen.paths.map((path) => ({ path })));
          },
        }
      : {}),
  };
}

/** Runs the import job on texts or paths and sorts its outputs into imported, duplicates and failures. */
async function importSources(client: ApiClient, sources: StructureFile[]): Promise<LibraryImportResult> {
  const job = await client.submitJob('import-structures', { sources });
  const done = await waitForJob(client, job.id);
  if (done.status !== 'completed') throw new Error(`Import ${done.status}: ${done.error ?? 'no reason given'}`);
  const outputs = (await client.call('jobs.outputs', { id: job.id, offset: 0 })) as ImportedStructureItem[];
  const result: LibraryImportResult = { imported: [], failed: [], duplicates: [] };
  for (const item of outputs) {
    if (item.ok) result.imported.push({ id: item.id, source: item.source, formula: item.formula, spaceGroup: item.spaceGroup });
    else if (item.duplicateOf !== undefined) result.duplicates.push({ source: item.source, duplicateOf: item.duplicateOf });
    else result.failed.push({ source: item.source, error: item.error });
  }
  return result;
}

/** File name, save-dialog filter and job format of each single-file export. */
const EXPORT_FILES = {
  'poscar-zip': { fileName: 'structures-poscar.zip', filter: { name: 'Zip of POSCAR files', extensions: ['zip'] } },
  extxyz: { fileName: 'structures.extxyz', filter: { name: 'Extended XYZ', extensions: ['extxyz', 'xyz'] } },
  json: { fileName: 'structures.json', filter: { name: 'JSON', extensions: ['json'] } },
} as const;

/** POSCAR zip, extended XYZ or JSON: one file, saved where the user says (desktop) or downloaded (browser mode). */
async function exportOneFile(client: ApiClient, kind: 'desktop' | 'browser', ids: number[], format: keyof typeof EXPORT_FILES): Promise<{ fileName: string; count: number }> {
  const { fileName, filter } = EXPORT_FILES[format];
  let destination: string | undefined;
  if (kind === 'desktop') {
    const chosen = await client.call('dialog.saveFile', { title: 'Export structures', defaultName: fileName, filters: [{ name: filter.name, extensions: [...filter.extensions] }] });
    if (!chosen.path) return { fileName: '', count: 0 };
    destination = chosen.path;
  }
  const job = await client.submitJob('export-structures', { selection: { ids }, format, ...(destination ? { destination } : {}) });
  const done = await waitForJob(client, job.id);
  if (done.status !== 'completed') throw new Error(`Export ${done.status}: ${done.error ?? 'no reason given'}`);
  const result = done.result as JobResult<'export-structures'>;
  if (kind === 'browser') triggerDownload(`/api/download?path=${encodeURIComponent(result.path)}`, fileName);
  return { fileName: kind === 'desktop' ? result.path : fileName, count: result.count };
}

export function createConnectedBackend(client: ApiClient, kind: 'desktop' | 'browser'): StudioBackend {
  let models: Promise<ApiResult<'models.list'>> | undefined;
  const modelList = () => (models ??= client.call('models.list', {}));
  return {
    kind,
    description: kind === 'desktop' ? 'Desktop app — engine host connected' : 'Browser mode — connected to cfstudio serve',
    library: createLibraryBackend(client, kind),
    jobs: createJobsBackend(client),
    settings: {
      providers: () => client.call('settings.providers', {}),
      setProviders: (providers) => client.call('settings.setProviders', { providers }),
    },
    ...(kind === 'desktop' ? { onMenuCommand: (listener: (command: MenuCommand) => void) => client.on('command', (event) => listener(event.command)) } : {}),
    async listModels(): Promise<ModelSummary[]> {
      models = client.call('models.list', {});
      const list = await models;
      return list.map((m) => ({
        id: m.name,
        name: m.name,
        description: m.description,
        ...(m.parameterCount !== null ? { parameterCount: m.parameterCount } : {}),
        ...(m.validationNll !== null ? { validationNll: m.validationNll } : {}),
        ...(m.source === 'fine-tuned' ? { fineTuned: true } : {}),
      }));
    },
    async spaceGroupFrequencies(modelId) {
      const list = await modelList();
      const counts = list.find((m) => m.name === modelId)?.spaceGroupCounts ?? [];
      const frequencies: Record<number, number> = {};
      counts.forEach((count, i) => {
        if (count > 0) frequencies[i + 1] = count;
      });
      return frequencies;
    },
    async generate(request, onEvent) {
      // Events can arrive before `jobs.submit` answers: keep them until the job id is known.
      let jobId: string | null = null;
      const early: Array<() => void> = [];
      const seen = new Set<number>();
      let finished = false;
      const deliver = (event: GenerationEvent) => {
        if (!finished) onEvent(event);
      };
      const onOutput = (index: number, item: unknown) => {
        if (seen.has(index)) return;
        seen.add(index);
        deliver({ type: 'candidate', candidate: candidateFromOutput(jobId!, item as GeneratedCandidate) });
      };
      const onJob = (job: JobInfo) => {
        if (job.progress) deliver({ type: 'progress', done: job.progress.done, total: job.progress.total ?? request.samples, ...(job.progress.message ? { message: job.progress.message } : {}) });
        if (isFinished(job.status) && !finished) {
          // Catch up on any output whose event was missed (e.g. while the event socket reconnected) before
          // reporting the end; only from the first missing one, so a long run is not fetched again.
          let firstMissing = 0;
          while (seen.has(firstMissing)) firstMissing++;
          const catchUp =
            firstMissing < job.outputCount
              ? client.call('jobs.outputs', { id: job.id, offset: firstMissing }).then((items) => items.forEach((item, k) => onOutput(firstMissing + k, item)))
              : Promise.resolve();
          void catchUp.catch(() => undefined).finally(() => {
            const result = job.result as JobResult<'generate'> | undefined;
            deliver({
              type: 'finished',
              status: job.status as 'completed' | 'cancelled' | 'failed',
              ...(job.error ? { reason: job.error } : {}),
              ...(result ? { seed: result.seed } : {}),
            });
            finished = true;
            offOutput();
            offJob();
          });
        }
      };
      const offOutput = client.on('job-output', (event) => {
        if (jobId === null) early.push(() => event.jobId === jobId && onOutput(event.index, event.item));
        else if (event.jobId === jobId) onOutput(event.index, event.item);
      });
      const offJob = client.on('job', (event) => {
        if (jobId === null) early.push(() => event.job.id === jobId && onJob(event.job));
        else if (event.job.id === jobId) onJob(event.job);
      });
      let job: JobInfo;
      try {
        job = await client.submitJob('generate', generateParamsFor(request));
      } catch (error) {
        offOutput();
        offJob();
        throw error;
      }
      jobId = job.id;
      for (const replay of early.splice(0)) replay();
      onJob(job);
      return {
        jobId: job.id,
        async cancel() {
          await client.call('jobs.cancel', { id: job.id });
        },
      };
    },
  };
}
