/**
 * Chemical compositions (element → amount) and the formula strings people and databases use for them.
 *
 * The formula conventions follow pymatgen's `Composition` so that strings match Materials Project data:
 * - `reducedFormula`: elements ordered by Pauling electronegativity (ties by symbol), amounts divided by their
 *   greatest common divisor, the two most electronegative elements written as a bracketed polyanion when they
 *   differ by less than 1.65 in electronegativity and their own ratio reduces further (Ca(NO3)2), and pymatgen's
 *   special cases for diatomic elements and alkali peroxides (O2, H2O2, Li2O2…).
 * - `formula`: every element with its full amount in electronegativity order, separated by spaces ("Li4 Fe4 P4 O16").
 * - `hillFormula`: the Hill system — with carbon, C first, H second, the rest alphabetical; without carbon, all
 *   alphabetical (H included). Written without spaces ("CH4", "ClNa").
 */
import { atomicMass, electronegativity, isElementSymbol } from './elements.ts';
import type { Structure } from './structure.ts';

/** Amounts below this are treated as zero (pymatgen's `amount_tolerance`). */
const AMOUNT_TOLERANCE = 1e-8;

/** pymatgen's `special_formulas`: reduced formulas that would otherwise hide a molecule or a peroxide. */
const SPECIAL_REDUCED_FORMULAS: Readonly<Record<string, string>> = {
  LiO: 'Li2O2',
  NaO: 'Na2O2',
  KO: 'K2O2',
  HO: 'H2O2',
  CsO: 'Cs2O2',
  RbO: 'Rb2O2',
  O: 'O2',
  N: 'N2',
  F: 'F2',
  Cl: 'Cl2',
  H: 'H2',
};

export class FormulaError extends Error {
  override name = 'FormulaError';
}

export class Composition {
  /** Element symbol → amount (atoms per formula unit or per cell), only positive amounts, in first-seen order. */
  readonly amounts: ReadonlyMap<string, number>;

  constructor(amounts: Iterable<readonly [string, number]> | Readonly<Record<string, number>>) {
    const entries: Iterable<readonly [string, number]> = isIterable(amounts) ? amounts : Object.entries(amounts);
    const map = new Map<string, number>();
    for (const [symbol, amount] of entries) {
      if (!isElementSymbol(symbol)) throw new FormulaError(`unknown element symbol '${symbol}'`);
      if (!Number.isFinite(amount) || amount < 0) throw new FormulaError(`amount of ${symbol} must be a non-negative number, got ${amount}`);
      map.set(symbol, (map.get(symbol) ?? 0) + amount);
    }
    for (const [symbol, amount] of map) if (amount <= AMOUNT_TOLERANCE) map.delete(symbol);
    this.amounts = map;
  }

  /** One atom per site. */
  static fromStructure(structure: Structure): Composition {
    const counts = new Map<string, number>();
    for (const site of structure.sites) counts.set(site.species, (counts.get(site.species) ?? 0) + 1);
    return new Composition(counts);
  }

  /**
   * Parses a formula: element symbols with optional (decimal) amounts, nested (), [] or {} groups with
   * multipliers, and hydrate-style adducts joined by `·`, `•` or `*` with an optional leading count
   * (`CuSO4·5H2O`). Whitespace is ignored. Throws {@link FormulaError} naming the position of a mistake.
   */
  static fromFormula(formula: string): Composition {
    return new Composition(parseFormula(formula));
  }

  get elements(): string[] {
    return [...this.amounts.keys()];
  }

  amount(symbol: string): number {
    return this.amounts.get(symbol) ?? 0;
  }

  /** Total number of atoms (sum of amounts). */
  get numAtoms(): number {
    let total = 0;
    for (const amount of this.amounts.values()) total += amount;
    return total;
  }

  /** Molar mass in g/mol. */
  get weight(): number {
    let total = 0;
    for (const [symbol, amount] of this.amounts) total += amount * atomicMass(symbol);
    return total;
  }

  /** Atomic fraction of an element (0 if absent). */
  fraction(symbol: string): number {
    const total = this.numAtoms;
    return total === 0 ? 0 : this.amount(symbol) / total;
  }

  /** Atomic fractions of all elements. */
  get fractions(): Map<string, number> {
    const total = this.numAtoms;
    return new Map([...this.amounts].map(([symbol, amount]) => [symbol, amount / total]));
  }

  /** Mass fraction of an element (0 if absent). */
  weightFraction(symbol: string): number {
    const total = this.weight;
    return total === 0 ? 0 : (this.amount(symbol) * atomicMass(symbol)) / total;
  }

  /** Reduced formula and the factor it was divided by, as pymatgen's `get_reduced_formula_and_factor`. */
  get reducedFormulaAndFactor(): { formula: string; factor: number } {
    // Non-integer amounts cannot be reduced: pymatgen then writes the full formula without spaces.
    if ([...this.amounts.values()].some((x) => Math.abs(x - Math.round(x)) >= AMOUNT_TOLERANCE)) {
      return { formula: this.formula.replace(/ /g, ''), factor: 1 };
    }
    const { formula, factor } = reduceFormula(this.amounts);
    return { formula: SPECIAL_REDUCED_FORMULAS[formula] ?? formula, factor: SPECIAL_REDUCED_FORMULAS[formula] ? factor / 2 : factor };
  }

  get reducedFormula(): string {
    return this.reducedFormulaAndFactor.formula;
  }

  /** The amounts divided by their greatest common divisor (integer amounts only; otherwise unchanged). */
  get reducedComposition(): Composition {
    const factor = integerGcdFactor(this.amounts);
    return new Composition([...this.amounts].map(([symbol, amount]) => [symbol, amount / factor] as const));
  }

  /** Full formula in electronegativity order with explicit amounts, space-separated: "Li4 Fe4 P4 O16". */
  get formula(): string {
    return sortByElectronegativity([...this.amounts.keys()])
      .map((symbol) => `${symbol}${formatAmount(this.amounts.get(symbol)!, false)}`)
      .join(' ');
  }

  /** Hill-system formula without spaces: C first and H second when carbon is present, otherwise alphabetical. */
  get hillFormula(): string {
    const symbols = [...this.amounts.keys()].sort();
    const ordered = this.amounts.has('C')
      ? ['C', ...(this.amounts.has('H') ? ['H'] : []), ...symbols.filter((s) => s !== 'C' && s !== 'H')]
      : symbols;
    return ordered.map((symbol) => `${symbol}${formatAmount(this.amounts.get(symbol)!, true)}`).join('');
  }

  /** Same elements with amounts equal within `tolerance`. */
  almostEquals(other: Composition, tolerance = 1e-8): boolean {
    const symbols = new Set([...this.amounts.keys(), ...other.amounts.keys()]);
    for (const symbol of symbols) if (Math.abs(this.amount(symbol) - other.amount(symbol)) > tolerance) return false;
    return true;
  }

  toString(): string {
    return this.formula;
  }
}

function isIterable(value: unknown): value is Iterable<readonly [string, number]> {
  return typeof value === 'object' && value !== null && Symbol.iterator in value;
}

/** Electronegativity order as pymatgen sorts (by X, then symbol); elements without a value go last. */
function sortByElectronegativity(symbols: string[]): string[] {
  const key = (symbol: string) => electronegativity(symbol) ?? Infinity;
  return [...symbols].sort((a, b) => key(a) - key(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** Amount as written in a formula: integers without decimals, other values rounded to 8 decimals. */
function formatAmount(amount: number, omitOne: boolean): string {
  if (omitOne && amount === 1) return '';
  if (Math.abs(amount - Math.round(amount)) < 1e-8) return String(Math.round(amount));
  return String(Number(amount.toFixed(8)));
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return Math.abs(a);
}

/** GCD of the amounts when all are integers (within 1e-8), else 1. */
function integerGcdFactor(amounts: ReadonlyMap<string, number>): number {
  let factor = 0;
  for (const amount of amounts.values()) {
    if (Math.abs(amount - Math.round(amount)) > 1e-8) return 1;
    factor = gcd(factor, Math.round(amount));
  }
  return factor === 0 ? 1 : factor;
}

function reduceFormula(amounts: ReadonlyMap<string, number>): { formula: string; factor: number } {
  const symbols = sortByElectronegativity([...amounts.keys()]).filter((s) => amounts.get(s)! > AMOUNT_TOLERANCE);
  const factor = integerGcdFactor(amounts);
  let polyanion = '';
  if (symbols.length >= 3) {
    const [second, last] = [symbols[symbols.length - 2]!, symbols[symbols.length - 1]!];
    const [xSecond, xLast] = [electronegativity(second), electronegativity(last)];
    if (xSecond !== null && xLast !== null && xLast - xSecond < 1.65) {
      const pair = new Map([
        [second, amounts.get(second)! / factor],
        [last, amounts.get(last)! / factor],
      ]);
      const inner = reduceFormula(pair);
      if (inner.factor !== 1) polyanion = `(${inner.formula})${inner.factor}`;
    }
  }
  const written = polyanion ? symbols.slice(0, -2) : symbols;
  const body = written.map((s) => `${s}${formatAmount(amounts.get(s)! / factor, true)}`).join('');
  return { formula: body + polyanion, factor };
}

/** Recursive-descent formula parser; positions in messages are 1-based character offsets. */
function parseFormula(formula: string): Map<string, number> {
  const text = formula.replace(/\s+/g, '');
  if (text.length === 0) throw new FormulaError('empty formula');
  let position = 0;
  const fail = (what: string): never => {
    throw new FormulaError(`invalid formula '${formula}': ${what} at position ${position + 1}`);
  };
  const readNumber = (): number | undefined => {
    const start = position;
    while (position < text.length && /[0-9.]/.test(text[position]!)) position++;
    if (position === start) return undefined;
    const raw = text.slice(start, position);
    const value = Number(raw);
    if (!Number.isFinite(value) || !/^(\d+(\.\d*)?|\.\d+)$/.test(raw)) {
      position = start;
      fail(`bad number '${raw}'`);
    }
    return value;
  };
  const closing: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
  const addInto = (target: Map<string, number>, source: Map<string, number>, multiplier: number) => {
    for (const [symbol, amount] of source) target.set(symbol, (target.get(symbol) ?? 0) + amount * multiplier);
  };
  const readGroupSequence = (closer: string | undefined): Map<string, number> => {
    const result = new Map<string, number>();
    while (position < text.length) {
      const ch = text[position]!;
      if (closer !== undefined && ch === closer) return result;
      if (ch in closing) {
        position++;
        const inner = readGroupSequence(closing[ch]);
        if (position >= text.length) fail(`'${ch}' is not closed`);
        position++;
        addInto(result, inner, readNumber() ?? 1);
        continue;
      }
      if (/[A-Z]/.test(ch)) {
        let symbol = ch;
        const next = text[position + 1];
        if (next !== undefined && /[a-z]/.test(next) && isElementSymbol(ch + next)) symbol = ch + next;
        if (!isElementSymbol(symbol)) fail(`unknown element '${symbol}'`);
        position += symbol.length;
        const amount = readNumber() ?? 1;
        result.set(symbol, (result.get(symbol) ?? 0) + amount);
        continue;
      }
      if (closer === undefined && /[·•*]/.test(ch)) return result;
      fail(`unexpected '${ch}'`);
    }
    if (closer !== undefined) fail(`missing '${closer}'`);
    return result;
  };

  const total = new Map<string, number>();
  for (;;) {
    const count = readNumber() ?? 1;
    const part = readGroupSequence(undefined);
    if (part.size === 0) fail('expected an element');
    addInto(total, part, count);
    if (position >= text.length) break;
    position++; // the adduct separator
  }
  return total;
}
