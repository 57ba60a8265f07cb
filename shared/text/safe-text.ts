/**
 * Safe text for messages: user-derived text (file names, tokens, CIF values, option values) placed in an error
 * message or a terminal line is escaped and bounded, so a hostile input cannot drive the terminal with ANSI/OSC
 * escape sequences, smuggle NUL bytes into outputs, reorder the line with bidirectional controls or turn one
 * mistake into a 10 MB line.
 */

/** Characters a one-line message must not carry raw: C0 controls (newlines too), DEL, C1 controls, bidi/format controls, lone surrogates. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

// NUL is written \x00 like the other controls (a `\0` could be misread as the start of an octal escape).
const NAMED_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Default bound of quoted input in a message (characters of the input itself). */
export const MESSAGE_QUOTE_LIMIT = 200;

/** Default bound of a whole message line. */
export const MESSAGE_LINE_LIMIT = 2000;

/**
 * `text` with every control character written as a visible escape (`\n`, `\t`, `\x00`, `\x1b`, `\u{202e}`), so
 * it prints as one inert line. Printable text, including non-ASCII letters, is unchanged.
 */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const named = NAMED_ESCAPES[c];
    if (named) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** The first `max` UTF-16 units of `text`, without splitting a surrogate pair, and how many units were cut. */
function cut(text: string, max: number): { kept: string; more: number } {
  if (text.length <= max) return { kept: text, more: 0 };
  let end = Math.max(0, max);
  const last = text.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end--;
  return { kept: text.slice(0, end), more: text.length - end };
}

const moreNote = (more: number) => (more > 0 ? `… (${more} more character${more === 1 ? '' : 's'})` : '');

/**
 * User input as it should appear inside a message: in single quotes, control characters escaped, at most `max`
 * characters of it followed by "… (N more characters)". `quoteForMessage('a\x1b[2J')` → `'a\x1b[2J'` (inert).
 */
export function quoteForMessage(text: string, max = MESSAGE_QUOTE_LIMIT): string {
  const { kept, more } = cut(String(text), max);
  return `'${escapeControl(kept)}'${moreNote(more)}`;
}

/**
 * A whole message made safe to print as one line: control characters escaped and at most `max` characters kept
 * ("… (N more characters)" after). For messages that may embed raw input their author did not quote.
 */
export function safeMessageLine(text: string, max = MESSAGE_LINE_LIMIT): string {
  const { kept, more } = cut(String(text), max);
  return `${escapeControl(kept)}${moreNote(more)}`;
}

/** The first line of an error's message (or of `String(error)`), made safe with `safeMessageLine`. */
export function errorLine(error: unknown, max = MESSAGE_LINE_LIMIT): string {
  const message = error instanceof Error ? error.message : String(error);
  const newline = message.indexOf('\n');
  return safeMessageLine(newline < 0 ? message : message.slice(0, newline), max);
}
