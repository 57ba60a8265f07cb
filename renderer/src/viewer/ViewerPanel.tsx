/**
 * The crystal viewer: drawing options on the left (./ViewerControls.tsx), the 3D view in the middle, the legend and
 * the picked-atom read-out (element, Wyckoff letter, fractional and Cartesian coordinates, distance, angle) on
 * the right. Everything is reachable from the keyboard; the canvas itself takes arrow keys, +/−, 0 and Escape.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { Structure } from '../../../shared/crystal/structure.ts';
import { Formula } from '../ui/Formula.tsx';
import { CrystalCanvas, type ViewerController } from './CrystalCanvas.tsx';
import { ViewerControls } from './ViewerControls.tsx';
import { buildDisplayModel, type DisplayModel } from './displayModel.ts';
import { effectivePairRules } from './bondRules.ts';
import { atomicNumber } from '../../../shared/crystal/elements.ts';
import { atomColor, baseAtomRadius, covalentRadius, separatedColors } from './elementStyle.ts';
import { angleAt, distance } from './measure.ts';
import { DEFAULT_VIEWER_SETTINGS, type ViewerSettings } from './settings.ts';

export interface ViewerDebugHandle {
  controller(): ViewerController | null;
  atoms(): { species: string; frac: [number, number, number]; kind: string }[];
}

export interface ViewerPanelProps {
  structure: Structure;
  /** Shown in the header and used for the PNG file name, e.g. 'NaCl-Fm-3m'. */
  title: string;
  /** Stable identity of the structure (re-fits the camera when it changes). */
  structureKey: string;
  initialSettings?: Partial<ViewerSettings>;
  /** File name (without extension) for the PNG, e.g. 'SrTiO3_Pm-3m_221'; default: from the title. */
  fileBase?: string;
  /** Crystallographic label of each site (asymmetric-unit labels from the symmetry analysis), once known. */
  siteLabels?: readonly string[] | undefined;
}

/**
 * Style choices carry over to the next structure opened in this session (colours, radii, bond look, projection);
 * what depends on the structure (supercell, pair rules, polyhedron centres) starts fresh.
 */
const STYLE_KEYS = [
  'colorPreset',
  'radiusKind',
  'radiusScale',
  'showBonds',
  'bondTolerance',
  'bondThickness',
  'metalMetalBonds',
  'boundaryImages',
  'bondedOutside',
  'showCell',
  'showAxes',
  'polyhedronOpacity',
  'labels',
  'projection',
] as const satisfies readonly (keyof ViewerSettings)[];
let lastStyle: Partial<ViewerSettings> = {};
function pickStyle(settings: ViewerSettings): Partial<ViewerSettings> {
  return Object.fromEntries(STYLE_KEYS.map((k) => [k, settings[k]]));
}

export function ViewerPanel({ structure, title, structureKey, initialSettings, fileBase, siteLabels }: ViewerPanelProps) {
  const [settings, setSettings] = useState<ViewerSettings>(() => ({ ...DEFAULT_VIEWER_SETTINGS, ...lastStyle, ...initialSettings }));
  useEffect(() => {
    lastStyle = pickStyle(settings);
  }, [settings]);
  const [selection, setSelection] = useState<number[]>([]);
  const controller = useRef<ViewerController | null>(null);
  const update = useCallback(<K extends keyof ViewerSettings>(key: K, value: ViewerSettings[K]) => {
    setSettings((s) => ({ ...s, [key]: value }));
  }, []);

  const species = useMemo(() => structure.sites.map((s) => s.species), [structure]);
  const elements = useMemo(() => [...new Set(species)], [species]);

  // Only the options that change which atoms and bonds exist rebuild the model (colours, radii, labels, camera
  // do not), so the selection survives style changes and a 10,000-atom model is not rebuilt per slider step.
  const { supercell, boundaryImages, bondedOutside, bondTolerance, pairRules, metalMetalBonds, polyhedronCentres } = settings;
  const modelResult = useMemo((): { model: DisplayModel; error: null } | { model: null; error: string } => {
    try {
      const model = buildDisplayModel(structure, {
        supercell,
        boundaryImages,
        bondedOutside,
        bondTolerance,
        pairRules: effectivePairRules(species, { pairRules, metalMetalBonds }),
        polyhedronCentres,
        bondRadius: covalentRadius,
      });
      return { model, error: null };
    } catch (error) {
      return { model: null, error: (error as Error).message };
    }
  }, [structure, species, supercell, boundaryImages, bondedOutside, bondTolerance, pairRules, metalMetalBonds, polyhedronCentres]);
  const model = modelResult.model;

  // A new model means new atom indices: old picks would point at other atoms.
  useEffect(() => setSelection([]), [model]);

  const atomRadius = useCallback(
    (s: string) => baseAtomRadius(s, settings.radiusKind) * settings.radiusScale,
    [settings.radiusKind, settings.radiusScale],
  );
  // Look-alike preset colours within this structure (VESTA's Ba and Zr) are moved apart; lighter elements keep theirs.
  const colors = useMemo(() => separatedColors([...elements].sort((p, q) => atomicNumber(p) - atomicNumber(q)), settings.colorPreset), [elements, settings.colorPreset]);
  const colorOf = useCallback((s: string) => colors.get(s) ?? atomColor(s, settings.colorPreset), [colors, settings.colorPreset]);

  const onPick = useCallback((index: number | null, additive: boolean) => {
    setSelection((current) => {
      if (index === null) return additive ? current : [];
      if (!additive) return [index];
      if (current.includes(index)) return current.filter((i) => i !== index);
      return [...current, index].slice(-3);
    });
  }, []);
  const onReady = useCallback((c: ViewerController) => {
    controller.current = c;
  }, []);
  // The drawn atoms and the view controller, for the browser tests and the devtools console.
  useEffect(() => {
    (window as unknown as { __cfstudioViewer?: ViewerDebugHandle }).__cfstudioViewer = {
      controller: () => controller.current,
      atoms: () => (model ? model.atoms.map((a) => ({ species: a.species, frac: a.frac, kind: a.kind })) : []),
    };
  }, [model]);

  const onCanvasKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const c = controller.current;
    if (!c) return;
    const step = e.shiftKey ? 15 : 5;
    const actions: Record<string, () => void> = {
      ArrowLeft: () => c.rotateBy(-step, 0),
      ArrowRight: () => c.rotateBy(step, 0),
      ArrowUp: () => c.rotateBy(0, -step),
      ArrowDown: () => c.rotateBy(0, step),
      '+': () => c.zoomBy(1.15),
      '=': () => c.zoomBy(1.15),
      '-': () => c.zoomBy(1 / 1.15),
      '0': () => c.resetView(),
      Escape: () => setSelection([]),
    };
    const action = actions[e.key];
    if (action) {
      e.preventDefault();
      action();
    }
  };

  const counts = useMemo(() => {
    const perElement = new Map<string, number>();
    for (const atom of model?.atoms ?? []) perElement.set(atom.species, (perElement.get(atom.species) ?? 0) + 1);
    return perElement;
  }, [model]);

  return (
    <div className="viewer-panel">
      <ViewerControls
        settings={settings}
        update={update}
        elements={elements}
        drawnAtoms={model?.atoms.length ?? null}
        controller={controller}
        pngFileName={`${fileBase ?? title.replace(/[^A-Za-z0-9_.-]+/g, '_')}.png`}
      />

      <section className="viewer-stage" aria-label={`${title} 3D view`}>
        <header className="stage-header">
          <h2>
            <TitleText title={title} />
          </h2>
          <span className="stage-meta">
            {formatLattice(structure)} · {model ? `${model.atoms.length} atoms, ${settings.showBonds ? model.bonds.length : 0} bonds` : '—'}
          </span>
        </header>
        {modelResult.error !== null ? (
          <p className="error stage-error" role="alert">
            {modelResult.error}
          </p>
        ) : (
          <div
            className="canvas-host"
            tabIndex={0}
            onKeyDown={onCanvasKey}
            aria-label="3D view: drag to rotate, wheel to zoom, right-drag to pan; arrow keys rotate, + and − zoom, 0 resets, Esc clears the selection; click an atom to inspect it, Shift+click to measure"
            data-testid="crystal-canvas"
          >
            <CrystalCanvas
              structure={structure}
              model={model!}
              settings={settings}
              fitKey={`${structureKey}|${settings.supercell.join('x')}`}
              siteLabels={siteLabels}
              atomRadius={atomRadius}
              atomColor={colorOf}
              selection={selection}
              onPick={onPick}
              onReady={onReady}
            />
          </div>
        )}
        <p className="hint stage-hint">Click an atom to inspect it · Shift+click up to three to measure distance and angle · Esc clears</p>
      </section>

      <aside className="viewer-info" aria-label="Legend and selection">
        <h3>Legend</h3>
        <ul className="legend">
          {elements.map((el) => (
            <li key={el}>
              <span className="swatch" style={{ background: colorOf(el) }} aria-hidden="true" />
              <span className="legend-symbol">{el}</span>
              <span className="legend-count">{counts.get(el) ?? 0}</span>
            </li>
          ))}
        </ul>
        <h3>Selection</h3>
        {model && <SelectionReadout structure={structure} model={model} selection={selection} siteLabels={siteLabels} />}
      </aside>
    </div>
  );
}

/** The title with its leading formula typeset ('SrTiO3 — …' → SrTiO₃ — …); the text content stays the same. */
function TitleText({ title }: { title: string }) {
  const [first = '', ...rest] = title.split(' ');
  if (!/^([A-Z][a-z]?\d*)+$/.test(first)) return <>{title}</>;
  return (
    <>
      <Formula formula={first} />
      {rest.length > 0 ? ` ${rest.join(' ')}` : ''}
    </>
  );
}

function formatLattice(structure: Structure): string {
  const p = structure.lattice.parameters;
  return `a ${p.a.toFixed(4)} Å, b ${p.b.toFixed(4)} Å, c ${p.c.toFixed(4)} Å, α ${p.alpha.toFixed(2)}°, β ${p.beta.toFixed(2)}°, γ ${p.gamma.toFixed(2)}°`;
}

function SelectionReadout({
  structure,
  model,
  selection,
  siteLabels,
}: {
  structure: Structure;
  model: DisplayModel;
  selection: number[];
  siteLabels: readonly string[] | undefined;
}) {
  const picked = selection.filter((i) => i < model.atoms.length).map((i) => model.atoms[i]!);
  if (picked.length === 0) return <p className="hint">No atom selected.</p>;
  return (
    <div className="selection" data-testid="selection-readout">
      {picked.map((atom, n) => {
        const site = structure.sites[atom.site]!;
        const siteLabel = siteLabels?.[atom.site] ?? site.label;
        return (
          <dl key={n} className="atom-card">
            <dt>Atom {n + 1}</dt>
            <dd>
              <b>{atom.species}</b> {siteLabel ? `(${siteLabel})` : ''} site {atom.site + 1}
              {site.wyckoff ? `, Wyckoff ${site.wyckoff}` : ''}
              {atom.kind !== 'cell' ? ` · ${atom.kind} image` : ''}
            </dd>
            <dt>Fractional</dt>
            <dd className="mono">{atom.frac.map((x) => x.toFixed(4)).join('  ')}</dd>
            <dt>Cartesian Å</dt>
            <dd className="mono">{atom.cart.map((x) => x.toFixed(4)).join('  ')}</dd>
          </dl>
        );
      })}
      {picked.length >= 2 && (
        <p className="measure" data-testid="measure-distance">
          d({picked[0]!.species}–{picked[1]!.species}) = <b>{distance(picked[0]!.cart, picked[1]!.cart).toFixed(4)} Å</b>
        </p>
      )}
      {picked.length === 3 && (
        <>
          <p className="measure">
            d({picked[1]!.species}–{picked[2]!.species}) = <b>{distance(picked[1]!.cart, picked[2]!.cart).toFixed(4)} Å</b>
          </p>
          <p className="measure" data-testid="measure-angle">
            ∠ {picked[0]!.species}–{picked[1]!.species}–{picked[2]!.species} = <b>{angleAt(picked[0]!.cart, picked[1]!.cart, picked[2]!.cart).toFixed(2)}°</b>
          </p>
        </>
      )}
    </div>
  );
}
