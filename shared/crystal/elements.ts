/**
 * The periodic table, Z = 1…118, with the per-element data the app needs for formulas, densities, bonding
 * guesses and drawing.
 *
 * Columns of {@link ELEMENT_TABLE} and their sources:
 * - `name`: IUPAC English names (IUPAC spelling: Aluminium, Caesium, Sulfur).
 * - `atomicMass` (u): IUPAC 2016 standard atomic weights, conventional/abridged values (C 12.011, H 1.008); for
 *   elements without a standard weight, the mass of the longest-lived isotope — as tabulated in ASE's
 *   `ase.data.atomic_masses_iupac2016`.
 * - `covalentRadius` (Å): Cordero et al., "Covalent radii revisited", Dalton Trans. 2008, 2832–2838, Z = 1…96
 *   (C is the sp³ value 0.76; Mn, Fe, Co are the low-spin values, as in ASE's `covalent_radii`); null beyond Cm.
 * - `electronegativity`: Pauling scale, as in pymatgen's `Element.X` (periodic_table.json); null where
 *   pymatgen has none (He, Ne, Ar and Z ≥ 104).
 * - `commonOxidationStates`: pymatgen's `Element.common_oxidation_states`.
 * - `icsdOxidationStates`: pymatgen's `Element.icsd_oxidation_states` (states seen in ≥ 10 ICSD compounds).
 * - `ionicRadii` (Å) keyed by signed oxidation state ('+2', '-1'): pymatgen's `Element.ionic_radii`, i.e. the
 *   Shannon (Acta Cryst. A32, 751, 1976) crystal radii, for octahedral (VI) coordination and high spin where
 *   tabulated (e.g. Fe2+ 0.92, O2- 1.26, Na+ 1.16).
 * - `jmolColor`: Jmol's element colours (jmol.sourceforge.net/jscolors), Z = 1…109; null beyond.
 * - `vestaColor`: VESTA's default element colours (elements.ini) as shipped in pymatgen's
 *   `vis/ElementColorSchemes.yaml`, Z = 1…109; null beyond.
 *
 * The data rows were generated from those tables (Debian's python3-ase 3.22.1 and python3-pymatgen 2022.11.7).
 */

export type ElementColorScheme = 'jmol' | 'vesta';

export interface ElementData {
  /** Atomic number. */
  z: number;
  symbol: string;
  name: string;
  /** Standard atomic weight in u (g/mol). */
  atomicMass: number;
  /** Cordero 2008 covalent radius in Å, or null where none is published. */
  covalentRadius: number | null;
  /** Pauling electronegativity, or null where none is tabulated. */
  electronegativity: number | null;
  commonOxidationStates: readonly number[];
  icsdOxidationStates: readonly number[];
  /** Shannon ionic (crystal) radius in Å by signed oxidation state, e.g. `{'+2': 0.92, '+3': 0.785}`. */
  ionicRadii: Readonly<Record<string, number>>;
  /** `#RRGGBB`, or null for Z > 109. */
  jmolColor: string | null;
  /** `#RRGGBB`, or null for Z > 109. */
  vestaColor: string | null;
}

type Row = [
  z: number,
  symbol: string,
  name: string,
  atomicMass: number,
  covalentRadius: number | null,
  electronegativity: number | null,
  commonOxidationStates: number[],
  icsdOxidationStates: number[],
  ionicRadii: Record<string, number>,
  jmolColor: string | null,
  vestaColor: string | null,
];

// prettier-ignore
const ROWS: Row[] = [
  [1, 'H', 'Hydrogen', 1.008, 0.31, 2.2, [-1, 1], [-1, 1], {}, '#FFFFFF', '#FFCCCC'],
  [2, 'He', 'Helium', 4.002602, 0.28, null, [], [], {}, '#D9FFFF', '#FCE8CE'],
  [3, 'Li', 'Lithium', 6.94, 1.28, 0.98, [1], [1], {'+1': 0.9}, '#CC80FF', '#86DF73'],
  [4, 'Be', 'Beryllium', 9.0121831, 0.96, 1.57, [2], [2], {'+2': 0.59}, '#C2FF00', '#5ED77B'],
  [5, 'B', 'Boron', 10.81, 0.84, 2.04, [3], [-3, 3], {'+3': 0.41}, '#FFB5B5', '#1FA20F'],
  [6, 'C', 'Carbon', 12.011, 0.76, 2.55, [-4, 4], [-4, -3, -2, 2, 3, 4], {'+4': 0.3}, '#909090', '#4C4C4C'],
  [7, 'N', 'Nitrogen', 14.007, 0.71, 3.04, [-3, 3, 5], [-3, -2, -1, 1, 3, 5], {'-3': 1.32, '+3': 0.3, '+5': 0.27}, '#3050F8', '#B0B9E6'],
  [8, 'O', 'Oxygen', 15.999, 0.66, 3.44, [-2], [-2], {'-2': 1.26}, '#FF0D0D', '#FE0300'],
  [9, 'F', 'Fluorine', 18.998403163, 0.57, 3.98, [-1], [-1], {'-1': 1.19, '+7': 0.22}, '#90E050', '#B0B9E6'],
  [10, 'Ne', 'Neon', 20.1797, 0.58, null, [], [], {}, '#B3E3F5', '#FE37B5'],
  [11, 'Na', 'Sodium', 22.98976928, 1.66, 0.93, [1], [1], {'+1': 1.16}, '#AB5CF2', '#F9DC3C'],
  [12, 'Mg', 'Magnesium', 24.305, 1.41, 1.31, [2], [2], {'+2': 0.86}, '#8AFF00', '#FB7B15'],
  [13, 'Al', 'Aluminium', 26.9815385, 1.21, 1.61, [3], [3], {'+3': 0.675}, '#BFA6A6', '#81B2D6'],
  [14, 'Si', 'Silicon', 28.085, 1.11, 1.9, [-4, 4], [-4, 4], {'+4': 0.54}, '#F0C8A0', '#1B3BFA'],
  [15, 'P', 'Phosphorus', 30.973761998, 1.07, 2.19, [-3, 3, 5], [-3, -2, -1, 3, 4, 5], {'+3': 0.58, '+5': 0.52}, '#FF8000', '#C09CC2'],
  [16, 'S', 'Sulfur', 32.06, 1.05, 2.58, [-2, 2, 4, 6], [-2, -1, 2, 4, 6], {'-2': 1.7, '+4': 0.51, '+6': 0.43}, '#FFFF30', '#FFFA00'],
  [17, 'Cl', 'Chlorine', 35.45, 1.02, 3.16, [-1, 1, 3, 5, 7], [-1], {'-1': 1.67, '+5': 0.26, '+7': 0.41}, '#1FF01F', '#31FC02'],
  [18, 'Ar', 'Argon', 39.948, 1.06, null, [], [], {}, '#80D1E3', '#CFFEC4'],
  [19, 'K', 'Potassium', 39.0983, 2.03, 0.82, [1], [1], {'+1': 1.52}, '#8F40D4', '#A121F6'],
  [20, 'Ca', 'Calcium', 40.078, 1.76, 1, [2], [2], {'+2': 1.14}, '#3DFF00', '#5A96BD'],
  [21, 'Sc', 'Scandium', 44.955908, 1.7, 1.36, [3], [2, 3], {'+3': 0.885}, '#E6E6E6', '#B563AB'],
  [22, 'Ti', 'Titanium', 47.867, 1.6, 1.54, [4], [2, 3, 4], {'+2': 1, '+3': 0.81, '+4': 0.745}, '#BFC2C7', '#78CAFF'],
  [23, 'V', 'Vanadium', 50.9415, 1.53, 1.63, [5], [2, 3, 4, 5], {'+2': 0.93, '+3': 0.78, '+4': 0.72, '+5': 0.68}, '#A6A6AB', '#E51900'],
  [24, 'Cr', 'Chromium', 51.9961, 1.39, 1.66, [3, 6], [2, 3, 4, 5, 6], {'+2': 0.94}, '#8A99C7', '#00009E'],
  [25, 'Mn', 'Manganese', 54.938044, 1.39, 1.55, [2, 4, 7], [2, 3, 4, 7], {'+2': 0.97, '+3': 0.785, '+4': 0.67, '+5': 0.47, '+6': 0.395, '+7': 0.6}, '#9C7AC7', '#A7089D'],
  [26, 'Fe', 'Iron', 55.845, 1.32, 1.83, [2, 3], [2, 3], {'+2': 0.92, '+3': 0.785}, '#E06633', '#B57100'],
  [27, 'Co', 'Cobalt', 58.933194, 1.26, 1.88, [2, 3], [1, 2, 3, 4], {'+2': 0.885, '+3': 0.75, '+4': 0.67}, '#F090A0', '#0000AF'],
  [28, 'Ni', 'Nickel', 58.6934, 1.24, 1.91, [2], [1, 2, 3, 4], {'+3': 0.74}, '#50D050', '#B7BBBD'],
  [29, 'Cu', 'Copper', 63.546, 1.32, 1.9, [2], [1, 2, 3], {'+1': 0.91, '+2': 0.87, '+3': 0.68}, '#C88033', '#2247DC'],
  [30, 'Zn', 'Zinc', 65.38, 1.22, 1.65, [2], [2], {'+2': 0.88}, '#7D80B0', '#8F8F81'],
  [31, 'Ga', 'Gallium', 69.723, 1.22, 1.81, [3], [2, 3], {'+3': 0.76}, '#C28F8F', '#9EE373'],
  [32, 'Ge', 'Germanium', 72.63, 1.2, 2.01, [-4, 2, 4], [2, 3, 4], {'+2': 0.87, '+4': 0.67}, '#668F8F', '#7E6EA6'],
  [33, 'As', 'Arsenic', 74.921595, 1.19, 2.18, [-3, 3, 5], [-3, -2, -1, 2, 3, 5], {'+3': 0.72, '+5': 0.6}, '#BD80E3', '#74D057'],
  [34, 'Se', 'Selenium', 78.971, 1.2, 2.55, [-2, 2, 4, 6], [-2, -1, 4, 6], {'-2': 1.84, '+4': 0.64, '+6': 0.56}, '#FFA100', '#9AEF0F'],
  [35, 'Br', 'Bromine', 79.904, 1.2, 2.96, [-1, 1, 3, 5, 7], [-1, 5], {'-1': 1.82, '+3': 0.73, '+5': 0.45, '+7': 0.53}, '#A62929', '#7E3102'],
  [36, 'Kr', 'Krypton', 83.798, 1.16, 3, [], [], {}, '#5CB8D1', '#FAC1F3'],
  [37, 'Rb', 'Rubidium', 85.4678, 2.2, 0.82, [1], [1], {'+1': 1.66}, '#702EB0', '#702EB0'],
  [38, 'Sr', 'Strontium', 87.62, 1.95, 0.95, [2], [2], {'+2': 1.32}, '#00FF00', '#00FF00'],
  [39, 'Y', 'Yttrium', 88.90584, 1.9, 1.22, [3], [3], {'+3': 1.04}, '#94FFFF', '#94FFFF'],
  [40, 'Zr', 'Zirconium', 91.224, 1.75, 1.33, [4], [2, 3, 4], {'+4': 0.86}, '#94E0E0', '#00FF00'],
  [41, 'Nb', 'Niobium', 92.90637, 1.64, 1.6, [5], [2, 3, 4, 5], {'+3': 0.86, '+4': 0.82, '+5': 0.78}, '#73C2C9', '#73C2C9'],
  [42, 'Mo', 'Molybdenum', 95.95, 1.54, 2.16, [4, 6], [2, 3, 4, 5, 6], {'+3': 0.83, '+4': 0.79, '+5': 0.75, '+6': 0.73}, '#54B5B5', '#54B5B5'],
  [43, 'Tc', 'Technetium', 97.90721, 1.47, 1.9, [4, 7], [], {'+4': 0.785, '+5': 0.74, '+7': 0.7}, '#3B9E9E', '#3B9E9E'],
  [44, 'Ru', 'Ruthenium', 101.07, 1.46, 2.2, [3, 4], [2, 3, 4, 5, 6], {'+3': 0.82, '+4': 0.76, '+5': 0.705, '+7': 0.52, '+8': 0.5}, '#248F8F', '#248F8F'],
  [45, 'Rh', 'Rhodium', 102.9055, 1.42, 2.28, [3], [3, 4], {'+3': 0.805, '+4': 0.74, '+5': 0.69}, '#0A7D8C', '#0A7D8C'],
  [46, 'Pd', 'Palladium', 106.42, 1.39, 2.2, [2, 4], [2, 4], {'+1': 0.73, '+2': 1, '+3': 0.9, '+4': 0.755}, '#006985', '#006985'],
  [47, 'Ag', 'Silver', 107.8682, 1.45, 1.93, [1], [1, 2, 3], {'+1': 1.29, '+2': 1.08, '+3': 0.89}, '#C0C0C0', '#C0C0C0'],
  [48, 'Cd', 'Cadmium', 112.414, 1.44, 1.69, [2], [2], {'+2': 1.09}, '#FFD98F', '#FFD98F'],
  [49, 'In', 'Indium', 114.818, 1.42, 1.78, [3], [1, 2, 3], {'+3': 0.94}, '#A67573', '#A67573'],
  [50, 'Sn', 'Tin', 118.71, 1.39, 1.96, [-4, 2, 4], [2, 3, 4], {'+4': 0.83}, '#668080', '#9A8EB9'],
  [51, 'Sb', 'Antimony', 121.76, 1.39, 2.05, [-3, 3, 5], [-3, -2, -1, 3, 5], {'+3': 0.9, '+5': 0.76}, '#9E63B5', '#9E63B5'],
  [52, 'Te', 'Tellurium', 127.6, 1.38, 2.1, [-2, 2, 4, 6], [-2, -1, 4, 6], {'-2': 2.07, '+4': 1.11, '+6': 0.7}, '#D47A00', '#D47A00'],
  [53, 'I', 'Iodine', 126.90447, 1.39, 2.66, [-1, 1, 3, 5, 7], [-1, 5], {'-1': 2.06, '+5': 1.09, '+7': 0.67}, '#940094', '#940094'],
  [54, 'Xe', 'Xenon', 131.293, 1.4, 2.6, [], [], {'+8': 0.62}, '#429EB0', '#429EB0'],
  [55, 'Cs', 'Caesium', 132.90545196, 2.44, 0.79, [1], [1], {'+1': 1.81}, '#57178F', '#57178F'],
  [56, 'Ba', 'Barium', 137.327, 2.15, 0.89, [2], [2], {'+2': 1.49}, '#00C900', '#00C900'],
  [57, 'La', 'Lanthanum', 138.90547, 2.07, 1.1, [3], [2, 3], {'+3': 1.172}, '#70D4FF', '#5AC449'],
  [58, 'Ce', 'Cerium', 140.116, 2.04, 1.12, [3, 4], [3, 4], {'+3': 1.15, '+4': 1.01}, '#FFFFC7', '#FFFFC7'],
  [59, 'Pr', 'Praseodymium', 140.90766, 2.03, 1.13, [3], [3, 4], {'+3': 1.13, '+4': 0.99}, '#D9FFC7', '#D9FFC7'],
  [60, 'Nd', 'Neodymium', 144.242, 2.01, 1.14, [3], [2, 3], {'+2': 1.43, '+3': 1.123}, '#C7FFC7', '#C7FFC7'],
  [61, 'Pm', 'Promethium', 144.91276, 1.99, 1.13, [3], [], {'+3': 1.11}, '#A3FFC7', '#A3FFC7'],
  [62, 'Sm', 'Samarium', 150.36, 1.98, 1.17, [3], [2, 3], {'+2': 1.36, '+3': 1.0979999999999999}, '#8FFFC7', '#8FFFC7'],
  [63, 'Eu', 'Europium', 151.964, 1.98, 1.2, [2, 3], [2, 3], {'+2': 1.31, '+3': 1.087}, '#61FFC7', '#61FFC7'],
  [64, 'Gd', 'Gadolinium', 157.25, 1.96, 1.2, [3], [3], {'+3': 1.075}, '#45FFC7', '#45FFC7'],
  [65, 'Tb', 'Terbium', 158.92535, 1.94, 1.1, [3], [3, 4], {'+3': 1.063, '+4': 0.9}, '#30FFC7', '#30FFC7'],
  [66, 'Dy', 'Dysprosium', 162.5, 1.92, 1.22, [3], [3], {'+2': 1.21, '+3': 1.052}, '#1FFFC7', '#1FFFC7'],
  [67, 'Ho', 'Holmium', 164.93033, 1.92, 1.23, [3], [3], {'+3': 1.041}, '#00FF9C', '#00FF9C'],
  [68, 'Er', 'Erbium', 167.259, 1.89, 1.24, [3], [3], {'+3': 1.03}, '#00E675', '#00E675'],
  [69, 'Tm', 'Thulium', 168.93422, 1.9, 1.25, [3], [3], {'+2': 1.17, '+3': 1.02}, '#00D452', '#00D452'],
  [70, 'Yb', 'Ytterbium', 173.054, 1.87, 1.1, [3], [2, 3], {'+2': 1.16, '+3': 1.008}, '#00BF38', '#00BF38'],
  [71, 'Lu', 'Lutetium', 174.9668, 1.87, 1.27, [3], [3], {'+3': 1.001}, '#00AB24', '#00AB24'],
  [72, 'Hf', 'Hafnium', 178.49, 1.75, 1.3, [4], [4], {'+4': 0.85}, '#4DC2FF', '#4DC2FF'],
  [73, 'Ta', 'Tantalum', 180.94788, 1.7, 1.5, [5], [3, 4, 5], {'+3': 0.86, '+4': 0.82, '+5': 0.78}, '#4DA6FF', '#4DA6FF'],
  [74, 'W', 'Tungsten', 183.84, 1.62, 2.36, [4, 6], [2, 3, 4, 5, 6], {'+4': 0.8, '+5': 0.76, '+6': 0.74}, '#2194D6', '#2194D6'],
  [75, 'Re', 'Rhenium', 186.207, 1.51, 1.9, [4], [3, 4, 5, 6, 7], {'+4': 0.77, '+5': 0.72, '+6': 0.69, '+7': 0.67}, '#267DAB', '#267DAB'],
  [76, 'Os', 'Osmium', 190.23, 1.44, 2.2, [4], [], {'+4': 0.77, '+5': 0.715, '+6': 0.685, '+7': 0.665, '+8': 0.53}, '#266696', '#266696'],
  [77, 'Ir', 'Iridium', 192.217, 1.41, 2.2, [3, 4], [3, 4, 5], {'+3': 0.82, '+4': 0.765, '+5': 0.71}, '#175487', '#175487'],
  [78, 'Pt', 'Platinum', 195.084, 1.36, 2.28, [2, 4], [], {'+2': 0.94, '+4': 0.765, '+5': 0.71}, '#D0D0E0', '#D0D0E0'],
  [79, 'Au', 'Gold', 196.966569, 1.36, 2.54, [3], [], {'+1': 1.51, '+3': 0.99, '+5': 0.71}, '#FFD123', '#FFD123'],
  [80, 'Hg', 'Mercury', 200.592, 1.32, 2, [1, 2], [1, 2], {'+1': 1.33, '+2': 1.16}, '#B8B8D0', '#B8B8D0'],
  [81, 'Tl', 'Thallium', 204.38, 1.45, 1.62, [1, 3], [1, 3], {'+1': 1.64, '+3': 1.025}, '#A6544D', '#A6544D'],
  [82, 'Pb', 'Lead', 207.2, 1.46, 2.33, [2, 4], [2, 4], {'+2': 1.33, '+4': 0.915}, '#575961', '#575961'],
  [83, 'Bi', 'Bismuth', 208.9804, 1.48, 2.02, [3], [1, 2, 3, 5], {'+3': 1.17, '+5': 0.9}, '#9E4FB5', '#9E4FB5'],
  [84, 'Po', 'Polonium', 208.98243, 1.4, 2, [-2, 2, 4], [], {'+4': 1.08, '+6': 0.81}, '#AB5C00', '#AB5C00'],
  [85, 'At', 'Astatine', 209.98715, 1.5, 2.2, [-1, 1], [], {'+7': 0.76}, '#754F45', '#754F45'],
  [86, 'Rn', 'Radon', 222.01758, 1.5, 2.2, [], [], {}, '#428296', '#428296'],
  [87, 'Fr', 'Francium', 223.01974, 2.6, 0.7, [1], [], {'+1': 1.94}, '#420066', '#420066'],
  [88, 'Ra', 'Radium', 226.02541, 2.21, 0.9, [2], [], {'+2': 1.62}, '#007D00', '#007D00'],
  [89, 'Ac', 'Actinium', 227.02775, 2.15, 1.1, [3], [], {'+3': 1.26}, '#70ABFA', '#70ABFA'],
  [90, 'Th', 'Thorium', 232.0377, 2.06, 1.3, [4], [4], {'+4': 1.08}, '#00BAFF', '#00BAFF'],
  [91, 'Pa', 'Protactinium', 231.03588, 2, 1.5, [5], [], {'+3': 1.16, '+4': 1.04, '+5': 0.92}, '#00A1FF', '#00A1FF'],
  [92, 'U', 'Uranium', 238.02891, 1.96, 1.38, [6], [3, 4, 5, 6], {'+3': 1.165, '+4': 1.03, '+5': 0.9, '+6': 0.87}, '#008FFF', '#008FFF'],
  [93, 'Np', 'Neptunium', 237.04817, 1.9, 1.36, [5], [], {'+2': 1.24, '+3': 1.15, '+4': 1.01, '+5': 0.89, '+6': 0.86, '+7': 0.85}, '#0080FF', '#0080FF'],
  [94, 'Pu', 'Plutonium', 244.06421, 1.87, 1.28, [4], [], {'+3': 1.14, '+4': 1, '+5': 0.88, '+6': 0.85}, '#006BFF', '#006BFF'],
  [95, 'Am', 'Americium', 243.06138, 1.8, 1.3, [3], [], {'+2': 1.4, '+3': 1.115, '+4': 0.99}, '#545CF2', '#545CF2'],
  [96, 'Cm', 'Curium', 247.07035, 1.69, 1.3, [3], [], {'+3': 1.11, '+4': 0.99}, '#785CE3', '#785CE3'],
  [97, 'Bk', 'Berkelium', 247.07031, null, 1.3, [3], [], {'+3': 1.1, '+4': 0.97}, '#8A4FE3', '#8A4FE3'],
  [98, 'Cf', 'Californium', 251.07959, null, 1.3, [3], [], {'+3': 1.09, '+4': 0.961}, '#A136D4', '#A136D4'],
  [99, 'Es', 'Einsteinium', 252.083, null, 1.3, [3], [], {}, '#B31FD4', '#B31FD4'],
  [100, 'Fm', 'Fermium', 257.09511, null, 1.3, [3], [], {}, '#B31FBA', '#B31FBA'],
  [101, 'Md', 'Mendelevium', 258.09843, null, 1.3, [3], [], {}, '#B30DA6', '#B30DA6'],
  [102, 'No', 'Nobelium', 259.101, null, 1.3, [3], [], {}, '#BD0D87', '#BD0D87'],
  [103, 'Lr', 'Lawrencium', 262.11, null, 1.3, [3], [], {}, '#C70066', '#C70066'],
  [104, 'Rf', 'Rutherfordium', 267.122, null, null, [], [], {}, '#CC0059', '#CC0059'],
  [105, 'Db', 'Dubnium', 268.126, null, null, [], [], {}, '#D1004F', '#D1004F'],
  [106, 'Sg', 'Seaborgium', 271.134, null, null, [], [], {}, '#D90045', '#D90045'],
  [107, 'Bh', 'Bohrium', 270.133, null, null, [], [], {}, '#E00038', '#E00038'],
  [108, 'Hs', 'Hassium', 269.1338, null, null, [], [], {}, '#E6002E', '#E6002E'],
  [109, 'Mt', 'Meitnerium', 278.156, null, null, [], [], {}, '#EB0026', '#EB0026'],
  [110, 'Ds', 'Darmstadtium', 281.165, null, null, [], [], {}, null, null],
  [111, 'Rg', 'Roentgenium', 281.166, null, null, [], [], {}, null, null],
  [112, 'Cn', 'Copernicium', 285.177, null, null, [], [], {}, null, null],
  [113, 'Nh', 'Nihonium', 286.182, null, null, [], [], {}, null, null],
  [114, 'Fl', 'Flerovium', 289.19, null, null, [], [], {}, null, null],
  [115, 'Mc', 'Moscovium', 289.194, null, null, [], [], {}, null, null],
  [116, 'Lv', 'Livermorium', 293.204, null, null, [], [], {}, null, null],
  [117, 'Ts', 'Tennessine', 293.208, null, null, [], [], {}, null, null],
  [118, 'Og', 'Oganesson', 294.214, null, null, [], [], {}, null, null],
];

/** Every element, index = Z − 1. */
export const ELEMENT_TABLE: readonly ElementData[] = ROWS.map(
  ([z, symbol, name, atomicMass, covalentRadius, electronegativity, common, icsd, ionicRadii, jmolColor, vestaColor]) =>
    Object.freeze({
      z,
      symbol,
      name,
      atomicMass,
      covalentRadius,
      electronegativity,
      commonOxidationStates: Object.freeze(common),
      icsdOxidationStates: Object.freeze(icsd),
      ionicRadii: Object.freeze(ionicRadii),
      jmolColor,
      vestaColor,
    }),
);

export const ELEMENT_SYMBOLS: readonly string[] = ELEMENT_TABLE.map((e) => e.symbol);

const numberBySymbol = new Map(ELEMENT_SYMBOLS.map((symbol, index) => [symbol, index + 1]));

/** Atomic number of an element symbol (case-sensitive, e.g. 'Fe'). Throws naming the symbol if unknown. */
export function atomicNumber(symbol: string): number {
  const z = numberBySymbol.get(symbol);
  if (z === undefined) throw new Error(`unknown element symbol '${symbol}'`);
  return z;
}

export function isElementSymbol(symbol: string): boolean {
  return numberBySymbol.has(symbol);
}

/** Element symbol for an atomic number 1…118. */
export function elementSymbol(z: number): string {
  const symbol = ELEMENT_SYMBOLS[z - 1];
  if (symbol === undefined) throw new Error(`no element with atomic number ${z}`);
  return symbol;
}

/** The table row of an element, by symbol ('Fe') or atomic number (26). Throws if unknown. */
export function elementData(symbolOrZ: string | number): ElementData {
  const z = typeof symbolOrZ === 'number' ? symbolOrZ : atomicNumber(symbolOrZ);
  const data = ELEMENT_TABLE[z - 1];
  if (data === undefined) throw new Error(`no element with atomic number ${z}`);
  return data;
}

/** Standard atomic weight in g/mol. */
export function atomicMass(symbol: string): number {
  return elementData(symbol).atomicMass;
}

/** Pauling electronegativity, or null when none is tabulated (noble gases He/Ne/Ar, superheavy elements). */
export function electronegativity(symbol: string): number | null {
  return elementData(symbol).electronegativity;
}

/**
 * Covalent radius in Å for drawing bonds and clash checks. Elements beyond Cm have no published Cordero radius;
 * for them this returns 1.5 Å, a typical actinide value, rather than failing in a viewer.
 */
export function covalentRadius(symbol: string): number {
  return elementData(symbol).covalentRadius ?? 1.5;
}

/**
 * Drawing colour `#RRGGBB` in the chosen scheme; elements beyond Mt (no colour in either scheme) get Jmol's
 * colour for unknown atoms, #FF1493.
 */
export function elementColor(symbol: string, scheme: ElementColorScheme = 'jmol'): string {
  const data = elementData(symbol);
  return (scheme === 'vesta' ? data.vestaColor : data.jmolColor) ?? '#FF1493';
}
