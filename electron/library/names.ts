import { escapeControl } from '../../shared/text/safe-text.ts';

/**
 * Longest structure or run name kept (characters). Names come from input (a CIF block name, a POSCAR comment line
 * of any length) and appear in every page of the library, so a 1 MB comment must not become a 1 MB row.
 */
export const MAX_NAME_LENGTH = 200;

/**
 * A name as the library stores it: control characters (terminal escapes, NUL, line breaks) written as visible
 * escapes, surrounding space trimmed, at most MAX_NAME_LENGTH characters (a cut name ends in '…').
 */
export function libraryName(name: string): string {
  const text = escapeControl(name.trim());
  if (text.length <= MAX_NAME_LENGTH) return text;
  const end = /[\ud800-\udbff]/.test(text[MAX_NAME_LENGTH - 2] ?? '') ? MAX_NAME_LENGTH - 2 : MAX_NAME_LENGTH - 1;
  return `${text.slice(0, end)}…`;
}
