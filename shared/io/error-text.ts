/**
 * Error messages from the readers quote the input (a tag, a value, a file name). The input can be hostile: a 10 MB
 * token, ANSI/OSC escape sequences that reprogram a terminal, NUL bytes. `oneLineMessage` makes any message safe to
 * print: control and other invisible format characters become visible escapes (`\x1b`, `\n`, `\u202e`), and a
 * message longer than the bound keeps its start and end with the number of characters left out in between.
 */

/** Longest message a reader error carries (characters). */
export const MAX_MESSAGE_LENGTH = 400;

// C0 and C1 controls, DEL, and the Unicode format characters that reorder or hide text (bidi overrides, zero width).
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

function escapeCharacter(ch: string): string {
  if (ch === '\n') return '\\n';
  if (ch === '\r') return '\\r';
  if (ch === '\t') return '\\t';
  const code = ch.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One printable line of at most `maxLength` characters (plus the marker for what was cut). */
export function oneLineMessage(text: string, maxLength = MAX_MESSAGE_LENGTH): string {
  // Cut before escaping so that a huge input costs no more than its bounded head and tail.
  let cut = text;
  if (text.length > maxLength) {
    const head = Math.ceil(maxLength * 0.75);
    const tail = maxLength - head;
    cut = `${text.slice(0, head)}…[${text.length - maxLength} characters]…${text.slice(text.length - tail)}`;
  }
  const escaped = cut.replace(INVISIBLE, escapeCharacter);
  return escaped.length > maxLength * 4 ? `${escaped.slice(0, maxLength * 4)}…` : escaped;
}
