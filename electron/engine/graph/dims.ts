/**
 * Dimensions and shapes: static numbers, or symbolic names such as 'batch' that are fixed only when a graph runs.
 *
 * A symbolic dimension may be a product of names and a number, written canonically as e.g. '4*batch*seq'
 * (what a Reshape that merges 'batch' and 'seq' produces). Shape rules only ever need equality, products and
 * exact division of such dimensions, so that is all this module offers.
 */

export type Dim = number | string;
export type Shape = readonly Dim[];

/** A dimension as a numeric coefficient times a sorted multiset of symbol names. */
interface Factors {
  coef: number;
  symbols: string[];
}

function factorsOf(dim: Dim): Factors {
  if (typeof dim === 'number') return { coef: dim, symbols: [] };
  let coef = 1;
  const symbols: string[] = [];
  for (const part of dim.split('*')) {
    const trimmed = part.trim();
    if (/^\d+$/.test(trimmed)) coef *= Number(trimmed);
    else if (trimmed.length > 0) symbols.push(trimmed);
  }
  symbols.sort();
  return { coef, symbols };
}

function dimOf(f: Factors): Dim {
  if (f.symbols.length === 0) return f.coef;
  return f.coef === 1 ? f.symbols.join('*') : `${f.coef}*${f.symbols.join('*')}`;
}

/** Canonical spelling, so 'seq*batch' and 'batch*seq' compare equal. */
export function canonicalDim(dim: Dim): Dim {
  return dimOf(factorsOf(dim));
}

export function isStatic(shape: Shape): shape is readonly number[] {
  return shape.every((d) => typeof d === 'number');
}

export function sameDim(a: Dim, b: Dim): boolean {
  return canonicalDim(a) === canonicalDim(b);
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => sameDim(d, b[i]!));
}

export function mulDims(a: Dim, b: Dim): Dim {
  const fa = factorsOf(a);
  const fb = factorsOf(b);
  if (fa.coef === 0 || fb.coef === 0) return 0;
  return dimOf({ coef: fa.coef * fb.coef, symbols: [...fa.symbols, ...fb.symbols].sort() });
}

export function shapeSize(shape: Shape): Dim {
  return shape.reduce<Dim>((acc, d) => mulDims(acc, d), 1);
}

/** a / b when the division is exact (same symbols cancel, coefficients divide); undefined otherwise. */
export function divDims(a: Dim, b: Dim): Dim | undefined {
  const fa = factorsOf(a);
  const fb = factorsOf(b);
  if (fb.coef === 0 || fa.coef % fb.coef !== 0) return undefined;
  const rest = [...fa.symbols];
  for (const s of fb.symbols) {
    const at = rest.indexOf(s);
    if (at < 0) return undefined;
    rest.splice(at, 1);
  }
  return dimOf({ coef: fa.coef / fb.coef, symbols: rest });
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/**
 * NumPy-style broadcasting of two shapes. Dimensions must be equal or one of them 1; two different symbolic
 * names cannot be proven equal, so they are an error too. Returns undefined when the shapes do not broadcast.
 */
export function broadcastShapes(a: Shape, b: Shape): Dim[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)]!;
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)]!;
    if (sameDim(da, db)) out.push(canonicalDim(da));
    else if (da === 1) out.push(canonicalDim(db));
    else if (db === 1) out.push(canonicalDim(da));
    else return undefined;
  }
  return out;
}

/** Normalises a possibly negative axis against a rank; undefined when out of range. */
export function normalizeAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return Number.isInteger(a) && a >= 0 && a < rank ? a : undefined;
}
