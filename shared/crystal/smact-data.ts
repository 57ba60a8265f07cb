/**
 * The element data that CDVAE's `smact_validity` reads from SMACT (WMD-group/SMACT, MIT licence). CDVAE pins
 * `smact==2.2.1` (txie-93/cdvae env.yml); the values below are SMACT's, not pymatgen's, because the two differ
 * (e.g. SMACT lists Fe −2…+6 where pymatgen's common states are +2, +3; SMACT's Pauling value for Zr is 0.33, a
 * typo fixed in SMACT only in October 2023, PR #181), and the field's published validity rates came from SMACT.
 *
 * - Oxidation states: `smact/data/oxidation_states.txt` (the default `Element.oxidation_states` set), as stored at
 *   commit 1955db29. He, Ne and Ar have none; elements beyond Hs are absent.
 * - Pauling electronegativity: the `el_neg` column of `smact/data/element_data.txt` (CRC Handbook, 92nd ed.;
 *   1.3 for Am and heavier as Pauling recommended), as stored at commit 145e6c58 — the revision without values
 *   for Kr, Eu, Tb and Yb. A later revision (1be88486) adds Kr 3.0, Eu 1.2, Tb 1.2, Yb 1.1. Which one SMACT 2.2.1
 *   shipped is not recorded; on the 26,139 MP-20 training rows the older one gives 90.0 % compositional validity
 *   and the newer 90.4 %, against the 89.9 % published for the MP-20 training set (field.md §1, 27,136 rows),
 *   so the older one is used. `null` = SMACT has no value (Python `None`), which matters for the Pauling test's
 *   quirks (see validity.ts).
 * - Metals: `smact.metals` in `smact/__init__.py` (note: includes Ge and Sb, excludes Pm and Lr, and only
 *   elements up to No).
 * - Elements SMACT does not know (Z > 103): `smact.Element` raises, so CDVAE's script would stop; we call such
 *   compositions invalid.
 */

/** SMACT's default oxidation states by element symbol (only elements SMACT lists; He, Ne, Ar have none). */
export const SMACT_OXIDATION_STATES: Readonly<Record<string, readonly number[]>> = parseStates(`
H -1 +1
He
Li +1
Be +1 +2
B +1 +2 +3
C -4 -3 -2 -1 +1 +2 +3 +4
N -3 -2 -1 +1 +2 +3 +4 +5
O -2 -1 +1 +2
F -1
Ne
Na -1 +1
Mg +1 +2
Al +1 +2 +3
Si -4 -3 -2 -1 +1 +2 +3 +4
P -3 -2 -1 +1 +2 +3 +4 +5
S -2 -1 +1 +2 +3 +4 +5 +6
Cl -1 +1 +2 +3 +4 +5 +6 +7
Ar
K -1 +1
Ca +1 +2
Sc +1 +2 +3
Ti -1 +1 +2 +3 +4
V -1 +1 +2 +3 +4 +5
Cr -2 -1 +1 +2 +3 +4 +5 +6
Mn -3 -2 -1 +1 +2 +3 +4 +5 +6 +7
Fe -2 -1 +1 +2 +3 +4 +5 +6
Co -1 +1 +2 +3 +4 +5
Ni -1 +1 +2 +3 +4
Cu +1 +2 +3 +4
Zn +1 +2
Ga +1 +2 +3
Ge -4 -3 -2 -1 +1 +2 +3 +4
As -3 +1 +2 +3 +5
Se -2 +1 +2 +4 +6
Br -1 +1 +2 +3 +4 +5 +7
Kr +2
Rb -1 +1
Sr +1 +2
Y +1 +2 +3
Zr +1 +2 +3 +4
Nb -1 +1 +2 +3 +4 +5
Mo -2 -1 +1 +2 +3 +4 +5 +6
Tc -3 -1 +1 +2 +3 +4 +5 +6 +7
Ru -2 +1 +2 +3 +4 +5 +6 +7 +8
Rh -1 +1 +2 +3 +4 +5 +6
Pd +1 +2 +4 +6
Ag +1 +2 +3 +4
Cd +1 +2
In +1 +2 +3
Sn -4 +2 +4
Sb -3 +3 +5
Te -2 +2 +4 +5 +6
I -1 +1 +3 +4 +5 +7
Xe +1 +2 +4 +6 +8
Cs -1 +1
Ba +2
La +2 +3
Ce +2 +3 +4
Pr +2 +3 +4
Nd +2 +3 +4
Pm +2 +3
Sm +2 +3
Eu +2 +3
Gd +1 +2 +3
Tb +1 +2 +3 +4
Dy +2 +3 +4
Ho +2 +3
Er +2 +3
Tm +2 +3
Yb +2 +3
Lu +3
Hf +2 +3 +4
Ta -1 +2 +3 +4 +5
W -2 -1 +1 +2 +3 +4 +5 +6
Re -3 -1 +1 +2 +3 +4 +5 +6 +7
Os -2 -1 +1 +2 +3 +4 +5 +6 +7 +8
Ir -2 -1 +1 +2 +3 +4 +5 +6 +7 +8
Pt -2 -1 +1 +2 +3 +4 +5 +6
Au -1 +1 +2 +3 +5
Hg +1 +2 +4
Tl -1 +1 +3
Pb -4 +2 +4
Bi -3 +1 +3 +5 +7
Po -2 +2 +4 +5 +6
At -1 +1 +3 +5 +7
Rn +2 +6
Fr +1
Ra +2
Ac +2 +3
Th +2 +3 +4
Pa +2 +3 +4 +5
U +2 +3 +4 +5 +6
Np +3 +4 +5 +6 +7
Pu +3 +4 +5 +6 +7 +8
Am +2 +3 +4 +5 +6 +7
Cm +2 +3 +4 +6 +8
Bk +2 +3 +4
Cf +2 +3 +4
Es +2 +3 +4
Fm +2 +3
Md +2 +3
No +2 +3
Lr +3
Rf +4
Db +5
Sg +6
Bh +7
Hs +8
`);

/**
 * SMACT's Pauling electronegativities (`el_neg`), H … Lr in order of atomic number; `null` where SMACT has none.
 * Differs from pymatgen in places (Zr 0.33, Lu 1.0, Hf 1.3, Au 2.4, Pb 1.8; none for Kr, Pm, Eu, Tb, Yb, …).
 */
// prettier-ignore
const SMACT_EL_NEG_BY_Z: readonly (number | null)[] = [
  2.2, null, 0.98, 1.57, 2.04, 2.55, 3.04, 3.44, 3.98, null, // H–Ne
  0.93, 1.31, 1.61, 1.9, 2.19, 2.58, 3.16, null, 0.82, 1.0, // Na–Ca
  1.36, 1.54, 1.63, 1.66, 1.55, 1.83, 1.88, 1.91, 1.9, 1.65, // Sc–Zn
  1.81, 2.01, 2.18, 2.55, 2.96, null, 0.82, 0.95, 1.22, 0.33, // Ga–Zr
  1.6, 2.16, 2.1, 2.2, 2.28, 2.2, 1.93, 1.69, 1.78, 1.96, // Nb–Sn
  2.05, 2.1, 2.66, 2.6, 0.79, 0.89, 1.1, 1.12, 1.13, 1.14, // Sb–Nd
  null, 1.17, null, 1.2, null, 1.22, 1.23, 1.24, 1.25, null, // Pm–Yb
  1.0, 1.3, 1.5, 1.7, 1.9, 2.2, 2.2, 2.2, 2.4, 1.9, // Lu–Hg
  1.8, 1.8, 1.9, 2.0, 2.2, null, 0.7, 0.9, 1.1, 1.3, // Tl–Th
  1.5, 1.7, 1.3, 1.3, 1.3, 1.3, 1.3, 1.3, 1.3, 1.3, // Pa–Fm
  1.3, 1.3, null, // Md–Lr
];

/** Elements SMACT knows (H … Lr, Z ≤ 103). */
export const SMACT_MAX_Z = SMACT_EL_NEG_BY_Z.length;

/** SMACT's Pauling electronegativity for atomic number z (1…103), `null` where SMACT has none. */
export function smactElectronegativity(z: number): number | null {
  if (!(z >= 1 && z <= SMACT_MAX_Z)) throw new Error(`SMACT has no data for atomic number ${z}`);
  return SMACT_EL_NEG_BY_Z[z - 1]!;
}

/** `smact.metals`: the elements for which an all-metal composition counts as a valid alloy. */
export const SMACT_METALS: ReadonlySet<string> = new Set(
  (
    'Li Be Na Mg Al K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Cs Ba La Ce ' +
    'Pr Nd Sm Eu Gd Tb Dy Ho Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf ' +
    'Es Fm Md No'
  ).split(' '),
);

function parseStates(text: string): Record<string, readonly number[]> {
  const table: Record<string, readonly number[]> = {};
  for (const line of text.trim().split('\n')) {
    const [symbol, ...states] = line.trim().split(/\s+/);
    table[symbol!] = Object.freeze(states.map(Number));
  }
  return table;
}
