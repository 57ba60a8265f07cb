/**
 * "Use as template" for the structure on screen: its space group and Wyckoff sites (from the Viewer's symmetry
 * summary), each site kept (its element locked) or masked, and for MCMC optionally its coordinates; then MCMC or
 * Generate opens with that template (structureTemplate.ts).
 */
import { useMemo, useState } from 'react';
import type { StructureSummary } from '../viewer/structureSummary.ts';
import { SymbolText } from '../ui/SymbolText.tsx';
import { defaultChoice, templateFromSummary, type StructureTemplate, type TemplateChoice } from './structureTemplate.ts';

export type TemplateTarget = 'mcmc' | 'generate';

export interface TemplateActionProps {
  /** The symmetry summary of the structure shown; null while it is computed or when it failed. */
  summary: StructureSummary | null;
  /** Open the site list at once (the Library's "Template" action). */
  initiallyOpen?: boolean;
  onUse: (template: StructureTemplate, choice: TemplateChoice, target: TemplateTarget) => void;
}

export function TemplateAction({ summary, initiallyOpen = false, onUse }: TemplateActionProps) {
  const [open, setOpen] = useState(initiallyOpen);
  const template = useMemo(() => (summary ? templateFromSummary(summary) : null), [summary]);
  const [choice, setChoice] = useState<{ of: StructureTemplate; value: TemplateChoice } | null>(null);
  const usable = template && !('error' in template) ? template : null;
  const current = usable ? (choice?.of === usable ? choice.value : defaultChoice(usable)) : null;
  const update = (value: TemplateChoice) => usable && setChoice({ of: usable, value });

  return (
    <div className="template-action">
      <button type="button" aria-expanded={open} disabled={!summary} onClick={() => setOpen(!open)} title="Open MCMC or Generate with this crystal's space group, Wyckoff sites and elements">
        Use as template…
      </button>
      {open && template && 'error' in template && (
        <p className="error" role="alert" data-testid="template-error">
          {template.error}
        </p>
      )}
      {open && usable && current && (
        <div className="template-chooser" role="group" aria-label="Template sites">
          <p className="hint">
            {summary!.formula} in <SymbolText symbol={summary!.spaceGroup.symbol} /> ({usable.spaceGroup}): keep a site’s element, or mask it for the chain or the model to choose.
          </p>
          <table className="dense template-sites">
            <thead>
              <tr>
                <th scope="col">Site</th>
                <th scope="col">Wyckoff</th>
                <th scope="col" title="Keep the element (checked) or mask it">Keep</th>
              </tr>
            </thead>
            <tbody>
              {usable.sites.map((site, i) => (
                <tr key={`${site.label}-${i}`} data-testid="template-choice-site">
                  <td>{site.label}</td>
                  <td>
                    {site.multiplicity}
                    {site.letter}
                  </td>
                  <td>
                    <label className="check">
                      <input
                        type="checkbox"
                        checked={current.locked[i] ?? true}
                        aria-label={`Keep ${site.element} on ${site.label} (${site.multiplicity}${site.letter})`}
                        onChange={(e) => update({ ...current, locked: current.locked.map((v, k) => (k === i ? e.target.checked : v)) })}
                      />
                      {current.locked[i] ? site.element : 'masked'}
                    </label>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <label className="check">
            <input type="checkbox" checked={current.lockCoordinates} onChange={(e) => update({ ...current, lockCoordinates: e.target.checked })} /> MCMC: keep the coordinates too (only elements change)
          </label>
          <div className="button-row">
            <button type="button" className="primary" onClick={() => onUse(usable, current, 'mcmc')}>
              Open in MCMC
            </button>
            <button type="button" onClick={() => onUse(usable, current, 'generate')}>
              Open in Generate
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
