/**
 * The chosen Wyckoff sites and their elements, as the Generate prompt and the MCMC template edit them: one row a
 * site (number, multiplicity + letter, the caller's element cell, a tie to an earlier site, the caller's extra
 * cells, Remove), the periodic table for the site being edited, and the global element set.
 */
import type { ReactNode } from 'react';
import type { SpaceGroup, WyckoffPosition } from '../../../shared/symmetry/spacegroups.ts';
import { PeriodicTablePicker } from './PeriodicTable.tsx';
import type { PromptSite } from './rules.ts';

export type SiteTableSite = Pick<PromptSite, 'letter' | 'tiedTo'>;

export interface SiteTableProps<S extends SiteTableSite> {
  group: SpaceGroup;
  sites: readonly S[];
  /** Added to the table's classes. */
  className?: string;
  elementHeader: string;
  /** Headers of the caller's columns between "Tie to" and the actions. */
  extraHeaders?: readonly string[];
  /** Added to every row as data-testid. */
  rowTestId?: string;
  /** What is wrong with site `index` (shown under its element cell; a row with any is marked). */
  messagesOf: (index: number) => readonly string[];
  renderElements: (site: S, index: number, position: WyckoffPosition) => ReactNode;
  /** The caller's cells (one per extra header). */
  renderExtraCells?: (site: S, index: number, position: WyckoffPosition) => ReactNode;
  /** Buttons before Remove. */
  renderActions?: (site: S, index: number) => ReactNode;
  onTie: (index: number, tiedTo: number | null) => void;
  onRemove: (index: number) => void;
}

export function SiteTable<S extends SiteTableSite>(props: SiteTableProps<S>) {
  const { group, sites, className, elementHeader, extraHeaders = [], rowTestId, messagesOf, renderElements, renderExtraCells, renderActions, onTie, onRemove } = props;
  return (
    <table className={className ? `dense site-table ${className}` : 'dense site-table'}>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Site</th>
          <th scope="col">{elementHeader}</th>
          <th scope="col">Tie to</th>
          {extraHeaders.map((header) => (
            <th key={header} scope="col">
              {header}
            </th>
          ))}
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {sites.map((site, i) => {
          const position = group.wyckoffPositions.find((w) => w.letter === site.letter)!;
          const messages = messagesOf(i);
          return (
            <tr key={i} className={messages.length > 0 ? 'has-error' : ''} data-testid={rowTestId}>
              <td className="num">{i + 1}</td>
              <td className="mono">
                {position.multiplicity}
                {site.letter}
              </td>
              <td>
                {renderElements(site, i, position)}
                {messages.map((message, k) => (
                  <span key={k} className="error" role="alert">
                    {' '}
                    {message}
                  </span>
                ))}
              </td>
              <td>
                <select
                  aria-label={`Tie site ${i + 1} to`}
                  value={site.tiedTo ?? ''}
                  disabled={i === 0}
                  onChange={(e) => onTie(i, e.target.value === '' ? null : Number(e.target.value))}
                >
                  <option value="">—</option>
                  {sites.slice(0, i).map((_, k) => (
                    <option key={k} value={k}>
                      site {k + 1}
                    </option>
                  ))}
                </select>
              </td>
              {renderExtraCells?.(site, i, position)}
              <td className="actions">
                {renderActions?.(site, i)}
                <button type="button" aria-label={`Remove site ${i + 1}`} onClick={() => onRemove(i)}>
                  Remove
                </button>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** The periodic table for the elements of the site being edited. */
export function SiteElementsEditor({ index, heading, selected, onChange }: { index: number; heading: ReactNode; selected: readonly string[]; onChange: (elements: string[]) => void }) {
  return (
    <div className="site-elements">
      <h4>{heading}</h4>
      <PeriodicTablePicker label={`Elements for site ${index + 1}`} selected={selected} onChange={onChange} />
    </div>
  );
}

/** The global element set (for sites without their own) and what is wrong with the set or the site list. */
export function AllowedElements({
  heading,
  label,
  selected,
  onChange,
  messages,
}: {
  heading: ReactNode;
  /** The periodic table's accessible name. */
  label: string;
  selected: readonly string[];
  onChange: (elements: string[]) => void;
  messages: readonly string[];
}) {
  return (
    <>
      <h4>{heading}</h4>
      <PeriodicTablePicker label={label} selected={selected} onChange={onChange} />
      {messages.map((message, k) => (
        <p key={k} className="error" role="alert">
          {message}
        </p>
      ))}
    </>
  );
}
