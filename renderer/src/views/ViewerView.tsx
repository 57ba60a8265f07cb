/**
 * The Viewer view: a list of structures to look at (the demo crystals, and a candidate opened from Generate) and
 * the crystal viewer. URL parameters select the structure and initial options, e.g.
 * `#/viewer?structure=nacl&supercell=3,3,3&spin=1&projection=perspective`.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { Composition } from '../../../shared/crystal/composition.ts';
import { Lattice } from '../../../shared/crystal/lattice.ts';
import { Structure } from '../../../shared/crystal/structure.ts';
import moyoWasmUrl from '@spglib/moyo-wasm/moyo_wasm_bg.wasm?url';
import { writeCifP1, writeExtendedXyz, writePoscar } from '../../../shared/io/index.ts';
import { openStructureInWorker } from '../symmetry/openInWorker.ts';
import type { Candidate, StudioBackend } from '../api/backend.ts';
import { DEMO_STRUCTURES } from '../demo/structures.ts';
import { parseSupercell } from '../route.ts';
import { SymbolText } from '../ui/SymbolText.tsx';
import { Formula } from '../ui/Formula.tsx';
import { structureFileBase } from '../viewer/pngExport.ts';
import { StructurePanel, type SummaryState } from '../viewer/StructurePanel.tsx';
import { summarizeInWorker } from '../viewer/summaryInWorker.ts';
import type { ViewerSettings } from '../viewer/settings.ts';
import { ViewerPanel } from '../viewer/ViewerPanel.tsx';
import { useJobRun } from './jobRun.ts';
import { PotentialPanel } from './PotentialPanel.tsx';
import { TemplateAction, type TemplateActionProps } from './TemplateAction.tsx';
import { frameStructure, framesMatch, relaxedStructure, type PotentialActions } from './potentialRun.ts';
import { PredictionList } from '../ui/PredictionList.tsx';

interface Shown {
  key: string;
  title: string;
  structure: Structure;
  /** Library row of the structure, when it is one (the potential jobs then read the stored CIF). */
  libraryId?: number | undefined;
}

/** A structure the user opened from a file in this session. */
export interface OpenedStructure extends Shown {
  fileName: string;
  /** e.g. 'Fm-3m (225)', or why symmetry analysis failed. */
  symmetry: string;
  /** What the reader noticed, e.g. partially occupied sites drawn as full atoms. */
  warnings: string[];
}

/** A file that could not be shown: its message takes the structure's place (the last structure is not left on screen). */
interface FailedFile {
  fileName: string;
  text: string;
  message: string;
  /** The file is a disordered crystal: it can be opened with its partial sites drawn as full atoms. */
  disordered: boolean;
}

const PARTIAL_OCCUPANCY = /site '([^']*)' \(([^)]*)\) has occupancy ([\d.]+): partial occupancy \(disorder\) is not supported/;

/** The reader's message in a scientist's words: a disordered CIF is a property of the crystal, not a bug. */
function describeOpenFailure(fileName: string, message: string): { message: string; disordered: boolean } {
  const partial = PARTIAL_OCCUPANCY.exec(message);
  if (!partial) return { message, disordered: false };
  const [, label, species, occupancy] = partial;
  return {
    message: `${fileName} describes a disordered crystal: site ${label} (${species}) is occupied ${occupancy}. The viewer draws ordered structures; open it with each partially occupied site drawn as a full atom, or order it first (e.g. pymatgen's OrderDisorderedStructureTransformation).`,
    disordered: true,
  };
}

/**
 * Reads a CIF or POSCAR file's text and finds its space group in a Web Worker with a time limit (never on the UI
 * thread: renderer/src/symmetry/openInWorker.ts); every site gets the Wyckoff letter of its orbit so that picking an
 * atom shows it. Errors name the file and line (from shared/io).
 */
export async function openStructureFile(fileName: string, text: string, serial: number, options: { allowPartialOccupancy?: boolean } = {}): Promise<OpenedStructure> {
  const read = await openStructureInWorker(fileName, text, {
    wasmUrl: new URL(moyoWasmUrl, window.location.href).href,
    ...(options.allowPartialOccupancy ? { allowPartialOccupancy: true } : {}),
  });
  const structure = new Structure(new Lattice(read.lattice), read.sites);
  const symmetry = read.symmetry;
  const formula = Composition.fromStructure(structure).reducedFormula;
  return {
    key: `file:${serial}`,
    fileName,
    title: `${formula} — ${read.name || fileName}${symmetry.startsWith('symmetry') ? '' : ` (${symmetry})`}`,
    structure,
    symmetry,
    warnings: read.warnings,
  };
}

function download(fileName: string, text: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function ViewerView({
  backend,
  potential,
  params,
  candidate,
  opened,
  onOpened,
  onNavigate,
  onUseAsTemplate,
}: {
  backend: StudioBackend;
  /** Relax and Energy for the shown structure (state kept in App). */
  potential: PotentialActions;
  params: URLSearchParams;
  candidate: Candidate | null;
  opened: readonly OpenedStructure[];
  onOpened: (structure: OpenedStructure) => void;
  onNavigate: (params: Record<string, string>) => void;
  /** "Use as template": open MCMC or Generate with the shown crystal's sites (absent: no such action). */
  onUseAsTemplate?: TemplateActionProps['onUse'] | undefined;
}) {
  const fileInput = useRef<HTMLInputElement>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [failure, setFailure] = useState<FailedFile | null>(null);
  const openText = async (fileName: string, text: string, options: { allowPartialOccupancy?: boolean } = {}) => {
    setFileError(null);
    try {
      const structure = await openStructureFile(fileName, text, opened.length + 1, options);
      setFailure(null);
      onOpened(structure);
      onNavigate({ structure: structure.key });
    } catch (error) {
      // Shown where the structure was: leaving the previous crystal on screen would pass it off as this file.
      setFailure({ fileName, text, ...describeOpenFailure(fileName, (error as Error).message) });
    }
  };
  const onFile = async (file: File | undefined) => {
    if (!file) return;
    setFileError(null);
    try {
      if (file.size > 50 * 1024 * 1024) throw new Error(`${file.name}: larger than 50 MB, not a single-structure file`);
      await openText(file.name, await file.text());
    } catch (error) {
      setFileError((error as Error).message);
    } finally {
      if (fileInput.current) fileInput.current.value = '';
    }
  };
  const requested = params.get('structure') ?? (candidate && params.get('candidate') === candidate.id ? `candidate:${candidate.id}` : 'nacl');
  // Choosing another structure from the list replaces a failed file's message.
  useEffect(() => setFailure(null), [requested]);

  const shown = useMemo((): Shown | { error: string } => {
    try {
      if (candidate && requested === `candidate:${candidate.id}`) {
        const s = candidate.structure;
        if (!s) return { error: `${candidate.formula}: the sampled tokens could not be built into a structure (${candidate.error ?? 'no reason given'}).` };
        return {
          key: requested,
          title: `${candidate.formula} (SG ${candidate.spaceGroup}${candidate.spaceGroupFound !== undefined && candidate.spaceGroupFound !== candidate.spaceGroup ? ` → ${candidate.spaceGroupFound ?? '?'}` : ''})`,
          structure: new Structure(new Lattice(s.lattice), s.sites),
          libraryId: candidate.libraryId,
        };
      }
      const file = opened.find((o) => o.key === requested);
      if (file) return file;
      const demo = DEMO_STRUCTURES.find((d) => d.id === requested);
      if (!demo) return { error: `No structure '${requested}'. Choose one from the list.` };
      return { key: demo.id, title: `${demo.formula} — ${demo.name} (${demo.spaceGroup.symbol})`, structure: demo.build() };
    } catch (error) {
      return { error: `This structure cannot be shown: ${(error as Error).message}` };
    }
  }, [requested, candidate, opened]);

  // The relaxed structure or a trajectory frame replaces the input on screen when the user asks for it.
  useJobRun(potential.relaxRun);
  const relaxedFor = potential.relaxTarget !== null && !('error' in shown) && potential.relaxTarget.key === shown.key;
  const relaxedRecord = relaxedFor ? potential.relaxed : null;
  const relaxed = useMemo((): { structure: Structure } | { error: string } | null => {
    if (!relaxedRecord?.cif) return null;
    try {
      const structure = relaxedStructure(relaxedRecord);
      return structure ? { structure } : null;
    } catch (error) {
      return { error: `The relaxed CIF cannot be read: ${(error as Error).message}` };
    }
  }, [relaxedRecord]);
  const frame = relaxedFor && potential.frameIndex !== null ? potential.frames[potential.frameIndex] : undefined;
  const display = useMemo((): Shown | { error: string } => {
    if ('error' in shown) return shown;
    if (frame && framesMatch(shown.structure, potential.frames[0])) {
      return { ...shown, title: `${shown.title} — relaxation step ${frame.step}`, structure: frameStructure(shown.structure, frame) };
    }
    if (potential.showRelaxed && relaxed) {
      if ('error' in relaxed) return relaxed;
      return { ...shown, title: `${shown.title} — relaxed`, structure: relaxed.structure };
    }
    return shown;
  }, [shown, frame, potential.frames, potential.showRelaxed, relaxed]);

  // The crystallographic summary of what is on screen, found off the UI thread.
  const shownStructure = 'error' in display ? null : display.structure;
  const [summary, setSummary] = useState<{ of: Structure; state: SummaryState } | null>(null);
  useEffect(() => {
    if (!shownStructure) return;
    setSummary({ of: shownStructure, state: { status: 'pending' } });
    const job = summarizeInWorker(shownStructure, Composition.fromStructure(shownStructure).reducedFormula);
    job.result.then(
      (result) => setSummary((s) => (s?.of === shownStructure ? { of: shownStructure, state: { status: 'ready', summary: result } } : s)),
      (error: unknown) => setSummary((s) => (s?.of === shownStructure ? { of: shownStructure, state: { status: 'failed', message: (error as Error).message } } : s)),
    );
    return job.cancel;
  }, [shownStructure]);
  const summaryState: SummaryState = summary && summary.of === shownStructure ? summary.state : { status: 'pending' };
  const ready = summaryState.status === 'ready' ? summaryState.summary : null;
  const fileBase = ready
    ? structureFileBase(ready.formula, ready.spaceGroup.symbol, ready.spaceGroup.number)
    : structureFileBase(shownStructure ? Composition.fromStructure(shownStructure).reducedFormula : 'structure');
  const shownFile = !('error' in display) ? opened.find((o) => o.key === display.key) : undefined;

  const save = (format: 'cif' | 'cif-p1' | 'poscar' | 'xyz') => {
    if ('error' in display) return;
    setSaveError(null);
    try {
      const base = fileBase;
      if (format === 'cif') {
        if (!ready) throw new Error('the symmetry analysis has not finished (or failed): save the P1 CIF instead');
        download(`${base}.cif`, ready.symmetrizedCif, 'chemical/x-cif');
      } else if (format === 'cif-p1') download(`${base}_P1.cif`, writeCifP1(display.structure), 'chemical/x-cif');
      else if (format === 'poscar') download(`${base}.vasp`, writePoscar(display.structure, { comment: display.title }), 'text/plain');
      else download(`${base}.xyz`, writeExtendedXyz(display.structure), 'chemical/x-xyz');
    } catch (error) {
      setSaveError(`Could not write ${format.toUpperCase()}: ${(error as Error).message}`);
    }
  };

  const initialSettings = useMemo((): Partial<ViewerSettings> => {
    const s: Partial<ViewerSettings> = {};
    const supercell = parseSupercell(params.get('supercell'));
    if (supercell) s.supercell = supercell;
    if (params.get('spin') === '1') s.autoRotate = true;
    const projection = params.get('projection');
    if (projection === 'perspective' || projection === 'orthographic') s.projection = projection;
    if (params.get('boundary') === '0') s.boundaryImages = false;
    if (params.get('bonds') === '0') s.showBonds = false;
    const polyhedra = params.get('polyhedra');
    if (polyhedra) s.polyhedronCentres = polyhedra.split(',');
    const labels = params.get('labels');
    if (labels === 'element' || labels === 'site') s.labels = labels;
    return s;
    // Initial settings are read once per structure; later URL changes that only move within the viewer keep user edits.
  }, [requested]);

  return (
    <div className="viewer-view">
      <nav className="structure-list" aria-label="Structures">
        <h3>Structures</h3>
        <ul>
          {candidate && (
            <li>
              <button
                type="button"
                aria-current={requested === `candidate:${candidate.id}` ? 'true' : undefined}
                onClick={() => onNavigate({ structure: `candidate:${candidate.id}` })}
              >
                <b>
                  <Formula formula={candidate.formula} />
                </b>
                <span className="hint">
                  {candidate.libraryId !== undefined ? `library #${candidate.libraryId}` : 'generated'} · SG {candidate.spaceGroup}
                </span>
              </button>
              <PredictionList predictions={candidate.predictions} />
            </li>
          )}
          {opened.map((o) => (
            <li key={o.key}>
              <button type="button" aria-current={requested === o.key ? 'true' : undefined} onClick={() => onNavigate({ structure: o.key })} title={o.symmetry}>
                <b>{o.fileName}</b>
                <span className="hint">{o.symmetry}</span>
              </button>
            </li>
          ))}
          {DEMO_STRUCTURES.map((d) => (
            <li key={d.id}>
              <button type="button" aria-current={requested === d.id ? 'true' : undefined} onClick={() => onNavigate({ structure: d.id })} title={d.source}>
                <b>
                  <Formula formula={d.formula} />
                </b>
                <span className="hint">
                  {d.name} · <SymbolText symbol={d.spaceGroup.symbol} />
                </span>
              </button>
            </li>
          ))}
        </ul>
        <p className="hint">Example crystals with literature cell parameters; generated candidates open here from Generate.</p>
        <div className="file-actions">
          <input
            ref={fileInput}
            id="open-structure-file"
            type="file"
            className="visually-hidden"
            accept=".cif,.mcif,.vasp,.poscar,POSCAR,CONTCAR,text/plain"
            onChange={(e) => onFile(e.target.files?.[0])}
          />
          <button type="button" onClick={() => fileInput.current?.click()}>
            Open CIF / POSCAR…
          </button>
          {fileError && (
            <p className="error" role="alert" data-testid="file-error">
              {fileError}
            </p>
          )}
          <span className="field-label">Save shown structure</span>
          <div className="button-row" role="group" aria-label="Save shown structure">
            <button type="button" onClick={() => save('cif')} disabled={'error' in display || !ready} title="Space group, its operations and one atom per Wyckoff orbit">
              CIF (symmetrized)
            </button>
            <button type="button" onClick={() => save('cif-p1')} disabled={'error' in display} title="Every atom of the cell, space group P1">
              CIF (P1)
            </button>
            <button type="button" onClick={() => save('poscar')} disabled={'error' in display}>
              POSCAR
            </button>
            <button type="button" onClick={() => save('xyz')} disabled={'error' in display}>
              XYZ
            </button>
          </div>
          {saveError && (
            <p className="error" role="alert">
              {saveError}
            </p>
          )}
          {onUseAsTemplate && <TemplateAction key={'error' in display ? 'none' : display.key} summary={ready} initiallyOpen={params.get('template') === '1'} onUse={onUseAsTemplate} />}
        </div>
      </nav>
      <div className="viewer-main">
        {failure ? (
          <div className="viewer-failure" role="alert" data-testid="viewer-failure">
            <h2>{failure.fileName} cannot be shown as it is</h2>
            <p>{failure.message}</p>
            <div className="button-row">
              {failure.disordered && (
                <button type="button" className="primary" onClick={() => openText(failure.fileName, failure.text, { allowPartialOccupancy: true })}>
                  Open with partial sites as full atoms
                </button>
              )}
              <button type="button" onClick={() => setFailure(null)}>
                Back to {'error' in display ? 'the list' : display.title}
              </button>
            </div>
          </div>
        ) : 'error' in display ? (
          <p className="error" role="alert">
            {display.error}
          </p>
        ) : (
          <>
            {/* Keyed by the input structure: showing its relaxed form or a trajectory frame keeps the view's settings and camera. */}
            <ViewerPanel
              key={display.key}
              structure={display.structure}
              title={display.title}
              structureKey={display.key}
              initialSettings={initialSettings}
              fileBase={fileBase}
              // Site labels of the asymmetric unit (O1, O2), not P1 indices; the atoms themselves are not rebuilt.
              siteLabels={ready?.siteLabels}
            />
            <StructurePanel state={summaryState} notes={shownFile?.warnings ?? []} />
          </>
        )}
        <PotentialPanel
          backend={backend}
          actions={potential}
          target={'error' in shown ? null : { key: shown.key, title: shown.title, structure: shown.structure, libraryId: shown.libraryId }}
          shownTarget={
            'error' in display
              ? null
              : display === shown
                ? { key: shown.key, title: shown.title, structure: shown.structure, libraryId: shown.libraryId }
                : // The relaxed structure or a frame is not the library row: it goes as an upload.
                  { key: `${display.key}|${display.title}`, title: display.title, structure: display.structure }
          }
        />
      </div>
    </div>
  );
}
