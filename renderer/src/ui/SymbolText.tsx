/** Renders 'P6_3/mmc' and 'Fm-3m' as crystallographers write them: screw subscripts, overlined rotoinversions. */
export function SymbolText({ symbol }: { symbol: string }) {
  const parts = symbol.split(/(_\d|-\d)/).filter((p) => p !== '');
  return (
    <span className="hm-symbol" aria-label={symbol}>
      {parts.map((part, i) => {
        if (part.startsWith('_')) return <sub key={i}>{part.slice(1)}</sub>;
        if (part.startsWith('-')) return <span key={i} className="bar">{part.slice(1)}</span>;
        return <span key={i}>{part}</span>;
      })}
    </span>
  );
}
