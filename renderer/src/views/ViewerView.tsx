/**
 * The Viewer view: a list of structures to look at (the demo crystals, and a candidate opened from Generate) and
 * the crystal viewer. URL parameters select the structure and initial options, e.g.
 * `#/viewer?structure=nacl&supercell=3,3,3&spin=1&projection=perspective`.
 */
import { useMemo } from 'react';
import { Lattice } from '../../../shared/crystal/lattice.ts';
import { Structure } from '../../../shared/crystal/structure.ts';
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

export function ViewerView({
  params,
  candidate,
  onNavigate,
}: {
  params: URLSearchParams;
  candidate: Candidate | null;
  onNavigate: (params: Record<string, string>) => void;
}) {
  const requested = params.get('structure') ?? (candidate && params.get('candidate') === candidate.id ? `candidate:${candidate.id}` : 'nacl');

  const shown = useMemo((): Shown | { error: string } => {
    try {
      if (candidate && requested === `candidate:${candidate.id}`) {
        const s = candidate.structure;
        return {
          key: requested,
          title: `${candidate.formula} (SG ${candidate.spaceGroup})`,
          structure: new Structure(new Lattice(s.lattice), s.sites),
        };
      }
      const demo = DEMO_STRUCTURES.find((d) => d.id === requested);
      if (!demo) return { error: `No structure '${requested}'. Choose one from the list.` };
      return { key: demo.id, title: `${demo.formula} — ${demo.name} (${demo.spaceGroup.symbol})`, structure: demo.build() };
    } catch (error) {
      return { error: `This structure cannot be shown: ${(error as Error).message}` };
    }
  }, [requested, candidate]);

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
    // eslint-disable-next-line react-hooks/exhaustive-deps
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
                <span className="hint">generated · SG {candidate.spaceGroup}</span>
              </button>
            </li>
          )}
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
