/** A chemical formula with its counts as subscripts: 'Ba2MgWO6' → Ba₂MgWO₆ (text stays 'Ba2MgWO6' for search and copy). */
export function formulaParts(formula: string): { text: string; sub: boolean }[] {
  const parts: { text: string; sub: boolean }[] = [];
  for (const match of formula.matchAll(/(\d+(?:\.\d+)?)|([^\d]+)/g)) parts.push({ text: match[0], sub: match[1] !== undefined });
  return parts;
}

export function Formula({ formula }: { formula: string }) {
  return (
    <span className="formula" aria-label={formula}>
      {formulaParts(formula).map((p, i) => (p.sub ? <sub key={i}>{p.text}</sub> : <span key={i}>{p.text}</span>))}
    </span>
  );
}
