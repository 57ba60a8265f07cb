/**
 * The crystallographic summary under the 3D view: formula, Z, space group, conventional cell, volume, density
 * and the asymmetric unit (structureSummary.ts, computed in a worker). Precision is fixed per quantity: lengths
 * 4 decimals in Å, angles 2 in degrees, volume 2 in Å³, density 3 in g/cm³, fractional coordinates 4.
 */
import { Formula } from '../ui/Formula.tsx';
import { SymbolText } from '../ui/SymbolText.tsx';
import type { StructureSummary } from './structureSummary.ts';

export type SummaryState = { status: 'pending' } | { status: 'ready'; summary: StructureSummary } | { status: 'failed'; message: string };

const coordinate = (x: number) => {
  const text = x.toFixed(4);
  return text === '-0.0000' ? '0.0000' : text;
};

export function StructurePanel({ state, notes }: { state: SummaryState; notes: readonly string[] }) {
  return (
    <section className="panel structure-panel" aria-label="Structure summary">
      <h3>Structure</h3>
      {notes.length > 0 && (
        <ul className="structure-notes" role="status">
          {notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
      {state.status === 'pending' && <p className="hint">Finding the space group…</p>}
      {state.status === 'failed' && (
        <p className="error" role="alert">
          No symmetry summary: {state.message}
        </p>
      )}
      {state.status === 'ready' && <SummaryBody summary={state.summary} />}
    </section>
  );
}

function SummaryBody({ summary }: { summary: StructureSummary }) {
  const { lattice, spaceGroup } = summary;
  return (
    <>
      <dl className="structure-facts" data-testid="structure-facts">
        <dt>Formula</dt>
        <dd data-testid="summary-formula">
          <Formula formula={summary.formula} />
        </dd>
        <dt>Z</dt>
        <dd data-testid="summary-z">{summary.z}</dd>
        <dt>Space group</dt>
        <dd data-testid="summary-space-group">
          <SymbolText symbol={spaceGroup.symbol} /> (No. {spaceGroup.number}), {spaceGroup.crystalSystem}
        </dd>
        <dt>a, b, c</dt>
        <dd data-testid="summary-abc">
          {lattice.a.toFixed(4)} Å, {lattice.b.toFixed(4)} Å, {lattice.c.toFixed(4)} Å
        </dd>
        <dt>α, β, γ</dt>
        <dd data-testid="summary-angles">
          {lattice.alpha.toFixed(2)}°, {lattice.beta.toFixed(2)}°, {lattice.gamma.toFixed(2)}°
        </dd>
        <dt>Volume</dt>
        <dd data-testid="summary-volume">{summary.volume.toFixed(2)} Å³ (conventional cell)</dd>
        <dt>Density</dt>
        <dd data-testid="summary-density">{summary.density.toFixed(3)} g/cm³</dd>
      </dl>
      <table className="asymmetric-unit" aria-label="Asymmetric unit">
        <caption>Asymmetric unit (standard setting)</caption>
        <thead>
          <tr>
            <th scope="col">Label</th>
            <th scope="col">Element</th>
            <th scope="col" title="Multiplicity and Wyckoff letter">Wyckoff</th>
            <th scope="col">Site symmetry</th>
            <th scope="col">x</th>
            <th scope="col">y</th>
            <th scope="col">z</th>
            <th scope="col">Occupancy</th>
          </tr>
        </thead>
        <tbody>
          {summary.sites.map((site) => (
            <tr key={site.label}>
              <th scope="row">{site.label}</th>
              <td>{site.element}</td>
              <td>
                {site.multiplicity}
                {site.letter}
              </td>
              <td>
                <SymbolText symbol={site.siteSymmetry} />
              </td>
              <td className="num">{coordinate(site.frac[0])}</td>
              <td className="num">{coordinate(site.frac[1])}</td>
              <td className="num">{coordinate(site.frac[2])}</td>
              <td className="num">{site.occupancy.toFixed(2)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
