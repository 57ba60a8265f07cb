/** Renders 'P6_3/mmc' and 'Fm-3m' as crystallographers write them: screw subscripts, overlined rotoinversions. */
export function SymbolText({ symbol }: { symbol: string }) {
  const parts = symbol.split(/(_\d)/);
  return (
    <span className="hm-symbol">
      {parts.map((part, i) =>
        part.startsWith('_') ? <sub key={i}>{part.slice(1)}</sub> : <span key={i}>{part.replace(/-(\d)/g, '$1\u0305')}</span>,
      )}
    </span>
  );
}
