// The Formula (structure prediction) form (renderer/src/views/cspForm.ts): what it sends is accepted by the 'csp'
// job's own params schema, and each bad field gets its one-line error instead of a job.
import { describe, expect, it } from 'vitest';
import { cspParamsSchema } from '../../shared/api/jobs.ts';
import { DEFAULT_FORM, cspParamsFromForm } from '../../renderer/src/views/cspForm.ts';

describe('csp form', () => {
  it('NaCl, Z 4, group 225, 8 samples becomes params the job schema accepts', () => {
    const params = cspParamsFromForm({ formula: ' NaCl ', z: '4', spaceGroup: '225', samples: '8', relax: false });
    expect(params).toEqual({ formula: 'NaCl', zs: [4], spaceGroups: [225], n: 8, relax: false, top: 20 });
    expect(cspParamsSchema.safeParse(params).success).toBe(true);
  });

  it('empty Z and group leave the choice to the job; a Z list is deduplicated and sorted', () => {
    const params = cspParamsFromForm({ ...DEFAULT_FORM, formula: 'Li3PS4', z: '4, 2,2', relax: true });
    expect(params).toEqual({ formula: 'Li3PS4', zs: [2, 4], n: 200, relax: true, top: 20 });
    expect(cspParamsSchema.safeParse(params).success).toBe(true);
    expect(cspParamsFromForm({ ...DEFAULT_FORM, formula: 'Li3PS4' })).not.toHaveProperty('zs');
  });

  it('bad fields are named', () => {
    expect(cspParamsFromForm({ ...DEFAULT_FORM, formula: 'nacl' })).toMatch(/^Formula:/);
    expect(cspParamsFromForm({ ...DEFAULT_FORM, formula: 'NaCl', z: '0' })).toMatch(/^Z:/);
    expect(cspParamsFromForm({ ...DEFAULT_FORM, formula: 'NaCl', spaceGroup: '231' })).toMatch(/^Space group number:/);
    expect(cspParamsFromForm({ ...DEFAULT_FORM, formula: 'NaCl', samples: '2.5' })).toMatch(/^Crystals to sample:/);
  });
});
