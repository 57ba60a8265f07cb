/**
 * Extended conformance: the CIF fixtures in ../shared/data/cif (COD entries and gemmi's syntax edge cases).
 * Runs only with CFSTUDIO_EXTENDED=1 (`npm run test:extended`) and when the data directory exists; otherwise
 * it is skipped with the reason printed.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CifError, cifValues, parseCif, readCifStructure, readCifStructures } from '../../shared/io/cif.ts';
import { Composition } from '../../shared/crystal/composition.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { analyzeStructure } from '../../shared/symmetry/analyze.ts';

const CIF_DIR = resolve(import.meta.dirname, '../../../shared/data/cif');
const enabled = process.env.CFSTUDIO_EXTENDED === '1';
const present = existsSync(CIF_DIR);
const skipReason = !enabled ? 'CFSTUDIO_EXTENDED is not 1' : !present ? `${CIF_DIR} is absent` : '';
if (skipReason) console.warn(`skipping extended CIF fixtures: ${skipReason}`);

const read = (name: string) => readFileSync(join(CIF_DIR, name), 'utf8');

describe.skipIf(skipReason !== '')('CIF fixtures (../shared/data/cif)', () => {
  beforeAll(async () => {
    await initSymmetry();
  });

  it('parses every fixture, or fails with a CifError that names the file and line', () => {
    for (const name of readdirSync(CIF_DIR).filter((f) => f.endsWith('.cif'))) {
      const text = read(name);
      expect(() => parseCif(text, { fileName: name }), name).not.toThrow();
      try {
        readCifStructures(text, { fileName: name });
      } catch (error) {
        expect(error, name).toBeInstanceOf(CifError);
        expect((error as CifError).fileName).toBe(name);
      }
    }
  });

  it('COD 1011031: SiC (zinc blende, F-43m), 8 atoms, Si–C = a√3/4', () => {
    const { structure, declaredSpaceGroup, warnings } = readCifStructure(read('1011031.cif'), { fileName: '1011031.cif' });
    expect(warnings).toEqual([]);
    expect(structure.numSites).toBe(8);
    expect(Composition.fromStructure(structure).reducedFormula).toBe('SiC');
    expect(declaredSpaceGroup.number).toBe(216);
    expect(analyzeStructure(structure).spaceGroup).toBe(216);
    expect(structure.minimumDistance()).toBeCloseTo((structure.lattice.a * Math.sqrt(3)) / 4, 6);
  });

  it('COD 2013551 (P-3m1) and 2242624 (P-1) expand to the formula their _chemical_formula_sum gives', () => {
    for (const [name, group] of [
      ['2013551.cif', 164],
      ['2242624.cif', 2],
    ] as const) {
      const text = read(name);
      const block = parseCif(text)[0]!;
      const declared = Composition.fromFormula(block.items.get('_chemical_formula_sum')!.text);
      const z = Number(block.items.get('_cell_formula_units_z')!.text);
      const { structure } = readCifStructure(text, { fileName: name });
      const found = Composition.fromStructure(structure);
      for (const element of declared.elements) expect(found.amount(element), `${name} ${element}`).toBeCloseTo(declared.amount(element) * z, 6);
      expect(analyzeStructure(structure).spaceGroup, name).toBe(group);
    }
  });

  it('COD 4003024: partial occupancy is an error naming the site, or reported when allowed', () => {
    const text = read('4003024.cif');
    try {
      readCifStructure(text, { fileName: '4003024.cif' });
      expect.unreachable('partial occupancy must not pass silently');
    } catch (error) {
      expect(error).toBeInstanceOf(CifError);
      expect((error as CifError).message).toMatch(/^4003024\.cif:\d+: site '\w+' \(\w+\) has occupancy 0\.\d+/);
      const line = (error as CifError).line;
      const label = /site '(\w+)'/.exec((error as CifError).message)![1]!;
      expect(text.split(/\r?\n/)[line - 1]).toContain(label);
    }
    const allowed = readCifStructure(text, { allowPartialOccupancy: true });
    expect(allowed.partialSites.length).toBeGreaterThan(0);
    expect(allowed.warnings.some((w) => /partially occupied/.test(w))).toBe(true);
  });

  it('gemmi misc.cif: quoting, comments in words, text fields, numbers, loops and save frames', () => {
    const blocks = parseCif(read('misc.cif'), { fileName: 'misc.cif' });
    expect(blocks.map((b) => b.name)).toEqual(['Strings', 'numbers', 'loops', 'frames']);
    const [strings, numbers, loops, frames] = blocks as [typeof blocks[0], typeof blocks[0], typeof blocks[0], typeof blocks[0]];
    for (const tag of ['_noq', '_singleq', '_doubleq', '_in_next_line', '_semicolonq']) expect(strings.items.get(tag)!.text, tag).toBe('str');
    expect(strings.items.get('_with_hash')!.text).toBe('s#t#r#');
    expect(strings.items.get('_na')).toMatchObject({ text: '.', quoted: false });
    expect(strings.items.get('_who_knows')).toMatchObject({ text: '?', quoted: false });
    expect(numbers.items.get('_with_su')!.text).toBe('123.456(12)');
    expect(loops.loops.map((l) => l.rows.length)).toEqual([2, 3]);
    expect(cifValues(loops, '_single_tag').map((v) => v.text)).toEqual(['tomato', 'carrot', 'ginger']);
    expect(frames.saveFrames.map((f) => f.name)).toEqual(['fr', 'anoTHer']);
    expect(frames.items.get('_and')!.text).toBe('item');
    expect(frames.items.get('_cell_special_details')!.text).toBe('');
    expect(frames.items.get('_exptl_crystal_grow.pdbx_details')!.text).toContain('PEG3350');
  });

  it('gemmi eol-test.cif, SO3.cif and cc12-hkl.cif: parse, and hold no crystal structure', () => {
    const eol = parseCif(read('eol-test.cif'))[0]!;
    expect(eol.name).toBe('test');
    const sequences = cifValues(eol, '_entity_poly.pdbx_seq_one_letter_code');
    expect(sequences).toHaveLength(2);
    expect(sequences[0]!.text.startsWith('MSSQEYTTFIDIPVTRAQVEHCSYSFWSSLYPKYVPKSIVLKSLPKKFIQYLEQDGIKLPQEENSRSVYTEEIIRNEDND\nYSDW')).toBe(true);
    for (const name of ['eol-test.cif', 'SO3.cif', 'cc12-hkl.cif']) {
      expect(readCifStructures(read(name)), name).toEqual([]);
      expect(() => readCifStructure(read(name), { fileName: name }), name).toThrow(/no block has atom sites/);
    }
    expect(parseCif(read('SO3.cif')).map((b) => b.name)).toEqual(['comp_list', 'comp_SO3']);
    expect(parseCif(read('cc12-hkl.cif'))[0]!.loops[0]!.rows).toHaveLength(12);
  });
});
