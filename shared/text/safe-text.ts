/**
 * Input quoted in messages, made inert and bounded: control characters (ANSI/OSC escapes, NUL, newlines, bidi
 * overrides) are written as visible escapes and long input is cut, so one hostile value cannot drive a terminal,
 * put NUL bytes into job outputs or turn an error into a 10 MB line.
 */

/** C0/C1 controls, DEL, and the Unicode format characters that reorder or hide text. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2069\ufeff]/g;

/** `text` with each control character replaced by a visible escape (`\n`, `\x1b`, `\u{202e}`). */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** `text` in single quotes, escaped, at most `max` characters of it (then "… (N more characters)"). */
export function quoteForMessage(text: string, max = 200): string {
  const value = String(text);
  if (value.length <= max) return `'${escapeControl(value)}'`;
  // Do not split a surrogate pair.
  const end = /[\ud800-\udbff]/.test(value[max - 1] ?? '') ? max - 1 : max;
  return `'${escapeControl(value.slice(0, end))}'… (${value.length - end} more characters)`;
}
