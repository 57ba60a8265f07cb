/** The Formula (structure prediction) panel's form and its 'csp' job params (CspPanel.tsx). */
import type { CspParams } from '../../../shared/api/jobs.ts';

export interface CspForm {
  formula: string;
  z: string;
  spaceGroup: string;
  samples: string;
  relax: boolean;
}

export const DEFAULT_FORM: CspForm = { formula: '', z: '', spaceGroup: '', samples: '200', relax: false };

/** The job params for the form, or the first field's one-line error. */
export function cspParamsFromForm(form: CspForm): CspParams | string {
  const formula = form.formula.trim();
  if (!/^([A-Z][a-z]?\d*)+$/.test(formula)) return 'Formula: element symbols with whole counts, e.g. NaCl or Li3PS4';
  const params: CspParams = { formula };
  if (form.z.trim() !== '') {
    const zs = form.z.split(',').map((s) => s.trim());
    if (!zs.every((s) => /^\d+$/.test(s) && Number(s) >= 1 && Number(s) <= 1000)) return 'Z: whole numbers from 1 to 1000, separated by commas (e.g. 4 or 1,2,4), or empty for any';
    params.zs = [...new Set(zs.map(Number))].sort((a, b) => a - b);
  }
  if (form.spaceGroup.trim() !== '') {
    const g = Number(form.spaceGroup.trim());
    if (!(Number.isInteger(g) && g >= 1 && g <= 230)) return 'Space group number: from 1 to 230, or empty to let the model choose';
    params.spaceGroups = [g];
  }
  const n = Number(form.samples.trim());
  if (!(Number.isInteger(n) && n >= 1 && n <= 100_000)) return 'Crystals to sample: a whole number from 1 to 100000';
  params.n = n;
  params.relax = form.relax;
  params.top = 20;
  return params;
}
