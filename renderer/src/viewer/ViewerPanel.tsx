/**
 * The crystal viewer with its controls: drawing options on the left, the 3D view in the middle, the legend and
 * the picked-atom read-out (element, Wyckoff letter, fractional and Cartesian coordinates, distance, angle) on
 * the right. Everything is reachable from the keyboard; the canvas itself takes arrow keys, +/−, 0 and Escape.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { Structure } from '../../../shared/crystal/structure.ts';
import { Formula } from '../ui/Formula.tsx';
import { LabeledSelect } from '../ui/LabeledSelect.tsx';
import { CrystalCanvas, type ViewDirection, type ViewerController } from './CrystalCanvas.tsx';
import { buildDisplayModel, MAX_SUPERCELL, pairKey, type DisplayModel, type PairBondRule } from './displayModel.ts';
import { effectivePairRules } from './bondRules.ts';
import { atomicNumber } from '../../../shared/crystal/elements.ts';
import { atomColor, baseAtomRadius, COLOR_PRESETS, covalentRadius, RADIUS_KINDS, separatedColors, type ColorPreset, type RadiusKind } from './elementStyle.ts';
import { angleAt, distance } from './measure.ts';
import { DEFAULT_VIEWER_SETTINGS, MAX_LABELS, type LabelMode, type ViewerSettings } from './settings.ts';

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
  const [transparentPng, setTransparentPng] = useState(false);
  const [settings, setSettings] = useState<ViewerSettings>(() => ({ ...DEFAULT_VIEWER_SETTINGS, ...lastStyle, ...initialSettings }));
  useEffect(() => {
    lastStyle = pickStyle(settings);
  }, [settings]);
  const [selection, setSelection] = useState<number[]>([]);
  const [exportError, setExportError] = useState<string | null>(null);
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

  const exportPng = () => {
    setExportError(null);
    try {
      const url = controller.current?.snapshotPng(2, { transparent: transparentPng });
      if (!url) throw new Error('the 3D view is not ready yet');
      const link = document.createElement('a');
      link.href = url;
      link.download = `${fileBase ?? title.replace(/[^A-Za-z0-9_.-]+/g, '_')}.png`;
      document.body.appendChild(link);
      link.click();
      link.remove();
    } catch (error) {
      setExportError(`PNG export failed: ${(error as Error).message}`);
    }
  };

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
      <aside className="viewer-controls" aria-label="Viewer options">
        <ControlSection title="Atoms">
          <LabeledSelect
            label="Colours"
            value={settings.colorPreset}
            options={COLOR_PRESETS}
            onChange={(v) => update('colorPreset', v as ColorPreset)}
          />
          <LabeledSelect
            label="Radii"
            title="Covalent: Cordero et al. 2008. Ionic: Shannon crystal radii (octahedral) for the element's most common oxidation state. Uniform: 1 Å."
            value={settings.radiusKind} options={RADIUS_KINDS} onChange={(v) => update('radiusKind', v as RadiusKind)} />
          <label className="field">
            <span>Scale {settings.radiusScale.toFixed(2)}</span>
            <input
              type="range"
              min={0.1}
              max={1.5}
              step={0.05}
              value={settings.radiusScale}
              onChange={(e) => update('radiusScale', Number(e.target.value))}
              aria-label="Atom radius scale"
            />
          </label>
          <LabeledSelect
            label="Labels"
            value={settings.labels}
            options={[
              { id: 'none', label: 'None' },
              { id: 'element', label: 'Element' },
              { id: 'site', label: 'Site label' },
            ]}
            onChange={(v) => update('labels', v as LabelMode)}
          />
          {settings.labels !== 'none' && model && model.atoms.length > MAX_LABELS && (
            <p className="hint warn" role="status">
              Labels are hidden above {MAX_LABELS} atoms ({model.atoms.length} drawn).
            </p>
          )}
        </ControlSection>

        <ControlSection title="Bonds">
          <Check label="Show bonds" checked={settings.showBonds} onChange={(v) => update('showBonds', v)} />
          <NumberField
            label="Tolerance"
            title="Bonded when d < (r₁ + r₂)·(1 + tolerance), covalent radii (Cordero 2008)"
            value={settings.bondTolerance}
            min={-0.5}
            max={2}
            step={0.05}
            onCommit={(v) => update('bondTolerance', v)}
          />
          <NumberField label="Thickness Å" value={settings.bondThickness} min={0.02} max={0.6} step={0.02} onCommit={(v) => update('bondThickness', v)} />
          <Check
            label="Metal–metal bonds in compounds"
            checked={settings.metalMetalBonds}
            onChange={(v) => update('metalMetalBonds', v)}
          />
          <PairRulesEditor elements={elements} rules={settings.pairRules} onChange={(rules) => update('pairRules', rules)} />
        </ControlSection>

        <ControlSection title="Cell">
          <SupercellField value={settings.supercell} onCommit={(v) => update('supercell', v)} />
          <Check label="Atoms on cell boundary" checked={settings.boundaryImages} onChange={(v) => update('boundaryImages', v)} />
          <Check label="Bonded atoms outside" checked={settings.bondedOutside} onChange={(v) => update('bondedOutside', v)} />
          <Check label="Unit cell" checked={settings.showCell} onChange={(v) => update('showCell', v)} />
          <Check label="Axes" checked={settings.showAxes} onChange={(v) => update('showAxes', v)} />
        </ControlSection>

        <ControlSection title="Polyhedra">
          <fieldset className="inline-checks">
            <legend>Centres</legend>
            {elements.map((el) => (
              <Check
                key={el}
                label={el}
                checked={settings.polyhedronCentres.includes(el)}
                onChange={(on) =>
                  update('polyhedronCentres', on ? [...settings.polyhedronCentres, el] : settings.polyhedronCentres.filter((x) => x !== el))
                }
              />
            ))}
          </fieldset>
          <label className="field">
            <span>Opacity {settings.polyhedronOpacity.toFixed(2)}</span>
            <input
              type="range"
              min={0.1}
              max={1}
              step={0.05}
              value={settings.polyhedronOpacity}
              onChange={(e) => update('polyhedronOpacity', Number(e.target.value))}
              aria-label="Polyhedron opacity"
            />
          </label>
        </ControlSection>

        <ControlSection title="View">
          <div className="segmented" role="group" aria-label="Projection">
            {(['orthographic', 'perspective'] as const).map((p) => (
              <button key={p} type="button" aria-pressed={settings.projection === p} onClick={() => update('projection', p)}>
                {p === 'orthographic' ? 'Ortho' : 'Persp'}
              </button>
            ))}
          </div>
          <div className="button-grid" role="group" aria-label="View along">
            {(['a', 'b', 'c', 'a*', 'b*', 'c*'] as ViewDirection[]).map((d) => (
              <button key={d} type="button" title={`View along ${d}`} onClick={() => controller.current?.viewAlong(d)}>
                <i>{d[0]}</i>
                {d.length > 1 ? '*' : ''}
              </button>
            ))}
          </div>
          <div className="button-row">
            <button type="button" onClick={() => controller.current?.resetView()}>
              Reset
            </button>
            <button type="button" aria-pressed={settings.autoRotate} onClick={() => update('autoRotate', !settings.autoRotate)}>
              Spin
            </button>
            <button type="button" onClick={exportPng}>
              PNG 2×
            </button>
          </div>
          <Check label="Transparent PNG" checked={transparentPng} onChange={setTransparentPng} />
          {exportError && (
            <p className="error" role="alert">
              {exportError}
            </p>
          )}
        </ControlSection>
      </aside>

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

// ───────────────────────────────────────────────────────────────────────────── small controls

function ControlSection({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <details className="control-section" open>
      <summary>{title}</summary>
      <div className="control-body">{children}</div>
    </details>
  );
}

function Check({ label, checked, onChange }: { label: string; checked: boolean; onChange: (v: boolean) => void }) {
  return (
    <label className="check">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <span>{label}</span>
    </label>
  );
}

/** A number input that validates on commit (blur or Enter) and shows its error next to itself. */
export function NumberField({
  label,
  value,
  min,
  max,
  step,
  integer,
  title,
  onCommit,
}: {
  label: string;
  value: number;
  min: number;
  max: number;
  step: number;
  integer?: boolean;
  title?: string;
  onCommit: (v: number) => void;
}) {
  const [text, setText] = useState(String(value));
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setText(String(value)), [value]);
  const commit = () => {
    const v = Number(text);
    if (text.trim() === '' || !Number.isFinite(v)) return setError(`${label}: enter a number`);
    if (integer && !Number.isInteger(v)) return setError(`${label}: enter a whole number`);
    if (v < min || v > max) return setError(`${label}: must be between ${min} and ${max}`);
    setError(null);
    if (v !== value) onCommit(v);
  };
  return (
    <label className="field" title={title}>
      <span>{label}</span>
      <input
        type="number"
        inputMode="decimal"
        value={text}
        min={min}
        max={max}
        step={step}
        aria-invalid={error !== null}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
        }}
      />
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </label>
  );
}

function SupercellField({ value, onCommit }: { value: [number, number, number]; onCommit: (v: [number, number, number]) => void }) {
  return (
    <div className="supercell" role="group" aria-label="Supercell repetitions">
      <span className="field-label">Supercell</span>
      {(['a', 'b', 'c'] as const).map((axis, i) => (
        <NumberField
          key={axis}
          label={`n${axis}`}
          value={value[i]!}
          min={1}
          max={MAX_SUPERCELL}
          step={1}
          integer
          onCommit={(v) => {
            const next = [...value] as [number, number, number];
            next[i] = v;
            onCommit(next);
          }}
        />
      ))}
    </div>
  );
}

function PairRulesEditor({ elements, rules, onChange }: { elements: string[]; rules: PairBondRule[]; onChange: (r: PairBondRule[]) => void }) {
  const [a, setA] = useState(elements[0] ?? '');
  const [b, setB] = useState(elements[elements.length - 1] ?? '');
  const [min, setMin] = useState('0');
  const [max, setMax] = useState('3');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setA(elements[0] ?? '');
    setB(elements[elements.length - 1] ?? '');
  }, [elements]);
  const add = () => {
    const lo = Number(min), hi = Number(max);
    if (!elements.includes(a) || !elements.includes(b)) return setError('choose two elements of this structure');
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo < 0 || hi < 0) return setError('min and max must be non-negative numbers (Å)');
    if (hi > 0 && lo > hi) return setError('min must not exceed max');
    if (hi > 8) return setError('max above 8 Å would bond most of the structure');
    setError(null);
    onChange([...rules.filter((r) => pairKey(r.a, r.b) !== pairKey(a, b)), { a, b, min: lo, max: hi }]);
  };
  return (
    <div className="pair-rules">
      <span className="field-label" title="Per-pair bond lengths replace the radius rule for that pair; max 0 removes the pair's bonds">
        Pair rules (Å)
      </span>
      <div className="pair-row">
        <select aria-label="First element" value={a} onChange={(e) => setA(e.target.value)}>
          {elements.map((el) => (
            <option key={el}>{el}</option>
          ))}
        </select>
        <select aria-label="Second element" value={b} onChange={(e) => setB(e.target.value)}>
          {elements.map((el) => (
            <option key={el}>{el}</option>
          ))}
        </select>
        <input aria-label="Minimum length Å" className="short" value={min} onChange={(e) => setMin(e.target.value)} />
        <input aria-label="Maximum length Å" className="short" value={max} onChange={(e) => setMax(e.target.value)} />
        <button type="button" onClick={add}>
          Set
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {rules.length > 0 && (
        <ul className="rule-list">
          {rules.map((r) => (
            <li key={pairKey(r.a, r.b)}>
              <span className="mono">
                {r.a}–{r.b} {r.max === 0 ? 'off' : `${r.min}–${r.max}`}
              </span>
              <button type="button" aria-label={`Remove rule ${r.a}–${r.b}`} onClick={() => onChange(rules.filter((x) => x !== r))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
