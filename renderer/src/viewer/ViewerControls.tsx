/**
 * The viewer's drawing options (left column): atoms, bonds, cell, polyhedra, view and PNG export. Settings change
 * through `update`; the view buttons act on the 3D view through its controller.
 */
import { useEffect, useState, type MutableRefObject } from 'react';
import { LabeledSelect } from '../ui/LabeledSelect.tsx';
import type { ViewDirection, ViewerController } from './CrystalCanvas.tsx';
import { MAX_SUPERCELL, pairKey, type PairBondRule } from './displayModel.ts';
import { COLOR_PRESETS, RADIUS_KINDS, type ColorPreset, type RadiusKind } from './elementStyle.ts';
import { MAX_LABELS, type LabelMode, type ViewerSettings } from './settings.ts';

export interface ViewerControlsProps {
  settings: ViewerSettings;
  update: <K extends keyof ViewerSettings>(key: K, value: ViewerSettings[K]) => void;
  /** Distinct elements of the structure (polyhedron centres, pair rules). */
  elements: string[];
  /** Atoms drawn (null while the model cannot be built): labels are hidden above MAX_LABELS. */
  drawnAtoms: number | null;
  controller: MutableRefObject<ViewerController | null>;
  /** Download name of the PNG, e.g. 'SrTiO3_Pm-3m_221.png'. */
  pngFileName: string;
}

export function ViewerControls({ settings, update, elements, drawnAtoms, controller, pngFileName }: ViewerControlsProps) {
  const [transparentPng, setTransparentPng] = useState(false);
  const [exportError, setExportError] = useState<string | null>(null);
  const exportPng = () => {
    setExportError(null);
    try {
      const url = controller.current?.snapshotPng(2, { transparent: transparentPng });
      if (!url) throw new Error('the 3D view is not ready yet');
      const link = document.createElement('a');
      link.href = url;
      link.download = pngFileName;
      document.body.appendChild(link);
      link.click();
      link.remove();
    } catch (error) {
      setExportError(`PNG export failed: ${(error as Error).message}`);
    }
  };

  return (
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
        {settings.labels !== 'none' && drawnAtoms !== null && drawnAtoms > MAX_LABELS && (
          <p className="hint warn" role="status">
            Labels are hidden above {MAX_LABELS} atoms ({drawnAtoms} drawn).
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
