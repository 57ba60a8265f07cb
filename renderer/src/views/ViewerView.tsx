/**
 * The Viewer view: a list of structures to look at (the demo crystals, and a candidate opened from Generate) and
 * the crystal viewer. URL parameters select the structure and initial options, e.g.
 * `#/viewer?structure=nacl&supercell=3,3,3&spin=1&projection=perspective`.
 */
import { useMemo, useRef, useState } from 'react';
import { Composition } from '../../../shared/crystal/composition.ts';
import { Lattice } from '../../../shared/crystal/lattice.ts';
import { Structure } from '../../../shared/crystal/structure.ts';
import moyoWasmUrl from '@spglib/moyo-wasm/moyo_wasm_bg.wasm?url';
import { writeCifP1, writeExtendedXyz, writePoscar } from '../../../shared/io/index.ts';
import { openStructureInWorker } from '../symmetry/openInWorker.ts';
import type { Candidate } from '../api/backend.ts';
import { DEMO_STRUCTURES } from '../demo/structures.ts';
import { parseSupercell } from '../route.ts';
import { SymbolText } from '../ui/SymbolText.tsx';
import type { ViewerSettings } from '../viewer/settings.ts';
import { ViewerPanel } from '../viewer/ViewerPanel.tsx';

interface Shown {
  key: string;
  title: string;
  structure: Structure;
}

/** A structure the user opened from a file in this session. */
export interface OpenedStructure extends Shown {
  fileName: string;
  /** e.g. 'Fm-3m (225)', or why symmetry analysis failed. */
  symmetry: string;
}

/**
 * Reads a CIF or POSCAR file's text and finds its space group in a Web Worker with a time limit (never on the UI
 * thread: renderer/src/symmetry/openInWorker.ts); every site gets the Wyckoff letter of its orbit so that picking an
 * atom shows it. Errors name the file and line (from shared/io).
 */
export async function openStructureFile(fileName: string, text: string, serial: number): Promise<OpenedStructure> {
  const read = await openStructureInWorker(fileName, text, { wasmUrl: new URL(moyoWasmUrl, window.location.href).href });
  const structure = new Structure(new Lattice(read.lattice), read.sites);
  const symmetry = read.symmetry;
  const formula = Composition.fromStructure(structure).reducedFormula;
  return {
    key: `file:${serial}`,
    fileName,
    title: `${formula} — ${read.name || fileName}${symmetry.startsWith('symmetry') ? '' : ` (${symmetry})`}`,
    structure,
    symmetry,
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
  params,
  candidate,
  opened,
  onOpened,
  onNavigate,
}: {
  params: URLSearchParams;
  candidate: Candidate | null;
  opened: readonly OpenedStructure[];
  onOpened: (structure: OpenedStructure) => void;
  onNavigate: (params: Record<string, string>) => void;
}) {
  const fileInput = useRef<HTMLInputElement>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const onFile = async (file: File | undefined) => {
    if (!file) return;
    setFileError(null);
    try {
      if (file.size > 50 * 1024 * 1024) throw new Error(`${file.name}: larger than 50 MB, not a single-structure file`);
      const structure = await openStructureFile(file.name, await file.text(), opened.length + 1);
      onOpened(structure);
      onNavigate({ structure: structure.key });
    } catch (error) {
      setFileError((error as Error).message);
    } finally {
      if (fileInput.current) fileInput.current.value = '';
    }
  };
  const requested = params.get('structure') ?? (candidate && params.get('candidate') === candidate.id ? `candidate:${candidate.id}` : 'nacl');

  const shown = useMemo((): Shown | { error: string } => {
    try {
      if (candidate && requested === `candidate:${candidate.id}`) {
        const s = candidate.structure;
        if (!s) return { error: `${candidate.formula}: the sampled tokens could not be built into a structure (${candidate.error ?? 'no reason given'}).` };
        return {
          key: requested,
          title: `${candidate.formula} (SG ${candidate.spaceGroup}${candidate.spaceGroupFound !== undefined && candidate.spaceGroupFound !== candidate.spaceGroup ? ` → ${candidate.spaceGroupFound ?? '?'}` : ''})`,
          structure: new Structure(new Lattice(s.lattice), s.sites),
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

  const save = (format: 'cif' | 'poscar' | 'xyz') => {
    if ('error' in shown) return;
    setSaveError(null);
    try {
      const base = shown.title.split(' ')[0]!.replace(/[^A-Za-z0-9_.-]+/g, '_') || 'structure';
      if (format === 'cif') download(`${base}.cif`, writeCifP1(shown.structure), 'chemical/x-cif');
      else if (format === 'poscar') download(`${base}.vasp`, writePoscar(shown.structure, { comment: shown.title }), 'text/plain');
      else download(`${base}.xyz`, writeExtendedXyz(shown.structure), 'chemical/x-xyz');
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
                <b>{candidate.formula}</b>
                <span className="hint">
                  {candidate.libraryId !== undefined ? `library #${candidate.libraryId}` : 'generated'} · SG {candidate.spaceGroup}
                </span>
              </button>
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
                <b>{d.formula}</b>
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
            <button type="button" onClick={() => save('cif')} disabled={'error' in shown}>
              CIF
            </button>
            <button type="button" onClick={() => save('poscar')} disabled={'error' in shown}>
              POSCAR
            </button>
            <button type="button" onClick={() => save('xyz')} disabled={'error' in shown}>
              XYZ
            </button>
          </div>
          {saveError && (
            <p className="error" role="alert">
              {saveError}
            </p>
          )}
        </div>
      </nav>
      {'error' in shown ? (
        <p className="error" role="alert">
          {shown.error}
        </p>
      ) : (
        <ViewerPanel key={shown.key} structure={shown.structure} title={shown.title} structureKey={shown.key} initialSettings={initialSettings} />
      )}
    </div>
  );
}
