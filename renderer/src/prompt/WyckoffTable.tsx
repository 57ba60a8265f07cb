/**
 * The Wyckoff positions of one space group with an "+ Add" button each, as the Generate prompt and the MCMC
 * template use it: a position that the model's site order does not allow after the sites so far is disabled, with
 * the reason as its tooltip.
 */
import type { SpaceGroup } from '../../../shared/symmetry/spacegroups.ts';
import { appendBlocker, type PromptSite } from './rules.ts';
import { SymbolText } from './SpaceGroupPicker.tsx';

export interface WyckoffTableProps {
  group: SpaceGroup;
  /** The sites chosen so far, in order (only their letters decide what may follow). */
  sites: readonly Pick<PromptSite, 'letter'>[];
  onAdd: (letter: string) => void;
  /** Show each position's site-symmetry symbol (a wider table). */
  siteSymmetry?: boolean;
  /** Disables every Add button, e.g. while the prompt does not use sites at all. */
  disabled?: boolean;
}

export function WyckoffTable({ group, sites, onAdd, siteSymmetry = false, disabled = false }: WyckoffTableProps) {
  return (
    <table className="dense wyckoff-table">
      <thead>
        <tr>
          <th scope="col">Letter</th>
          <th scope="col">Mult.</th>
          {siteSymmetry && <th scope="col">Site sym.</th>}
          <th scope="col">Coordinates</th>
          <th scope="col">DOF</th>
          <th scope="col">
            <span className="visually-hidden">Add</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {group.wyckoffPositions.map((w) => {
          const blocker = appendBlocker(group, sites, w.letter);
          return (
            <tr key={w.letter}>
              <td className="mono">{w.letter}</td>
              <td className="num">{w.multiplicity}</td>
              {siteSymmetry && (
                <td>
                  <SymbolText symbol={w.siteSymmetry} />
                </td>
              )}
              <td className="mono">{w.coordinates}</td>
              <td className="num">{w.dof}</td>
              <td>
                <button
                  type="button"
                  disabled={blocker !== null || disabled}
                  title={blocker ?? `Add a ${w.multiplicity}${w.letter} site`}
                  aria-label={`Add site ${w.multiplicity}${w.letter}`}
                  onClick={() => onAdd(w.letter)}
                >
                  + Add
                </button>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
