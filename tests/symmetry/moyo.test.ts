import { describe, expect, it } from 'vitest';
import { initSymmetry, isSymmetryReady } from '../../shared/symmetry/moyo.ts';
import { getSpaceGroup } from '../../shared/symmetry/spacegroups.ts';

describe('moyo loading', () => {
  it('refuses to work before initSymmetry() with a message that says what to do', () => {
    expect(isSymmetryReady()).toBe(false);
    expect(() => getSpaceGroup(225)).toThrow(/initSymmetry/);
  });

  it('initialises once, also when called concurrently', async () => {
    const first = initSymmetry();
    const second = initSymmetry();
    await Promise.all([first, second]);
    expect(isSymmetryReady()).toBe(true);
    await initSymmetry();
    expect(getSpaceGroup(225).symbol).toBe('Fm-3m');
  });
});
