/**
 * CIF 1.1 syntax: a hand-written, single-pass tokenizer and block builder.
 *
 * Why by hand: the JavaScript CIF readers on npm either target mmCIF only, drop quoting rules, or use regular
 * expressions that backtrack badly on hostile input. This reader walks the text once, character by character,
 * so its run time is linear in the input size whatever the input holds, and every error carries the line number.
 *
 * Covered (CIF 1.1, https://www.iucr.org/resources/cif/spec/version1.1/cifsyntax):
 * - `data_` blocks (several per file), `global_` blocks and `save_` frames (kept, not used for structures);
 * - items and `loop_`s; tags are case-insensitive and stored lower-cased;
 * - unquoted, 'single'- and "double"-quoted values (a quote only closes when followed by whitespace, so
 *   `'a dog's life'` is one value) and `;` text fields;
 * - `#` comments, CRLF / CR / LF line endings;
 * - the special values `?` (unknown) and `.` (inapplicable) when unquoted.
 *
 * Duplicate checks (block names, tags) use hash sets and maps, so a file of many blocks, loops or loop tags is
 * read in time linear in its size too (bench/cif-parse.ts).
 */
import { safeMessageLine } from '../text/safe-text.ts';

/** A syntax or content error in a CIF, naming the file and line. */
export class CifError extends Error {
  override name = 'CifError';
  readonly line: number;
  readonly fileName: string;
  /** The message without the `file:line:` prefix. */
  readonly reason: string;

  constructor(reason: string, line: number, fileName = '<cif>') {
    // Reasons quote the file's own text and the name may be anything: escaped and bounded (shared/text/safe-text.ts).
    super(safeMessageLine(`${fileName}:${line}: ${reason}`));
    this.reason = safeMessageLine(reason);
    this.line = line;
    this.fileName = fileName;
  }
}

export interface CifValue {
  /** The value with quotes removed; a text field's content without its delimiting `;` lines. */
  text: string;
  /** Line where the value starts (1-based). */
  line: number;
  /** True for quoted strings and text fields, whose `?`/`.` are literal text, not the special values. */
  quoted: boolean;
}

export interface CifLoop {
  /** Lower-cased tags in column order. */
  tags: string[];
  /** One array of values per row, in the order of `tags`. */
  rows: CifValue[][];
  line: number;
}

export interface CifFrame {
  name: string;
  line: number;
  /** Non-looped items by lower-cased tag. */
  items: Map<string, CifValue>;
  loops: CifLoop[];
  /** The loop holding each looped tag (lower-cased), so that look-ups do not scan every loop. */
  loopByTag: Map<string, CifLoop>;
}

export interface CifBlock extends CifFrame {
  /** True for a `global_` block. */
  isGlobal: boolean;
  /** `save_` frames inside this block. */
  saveFrames: CifFrame[];
  fileName: string;
}

export interface CifParseOptions {
  /** Used in error messages; defaults to `<cif>`. */
  fileName?: string;
}

type TokenKind = 'data' | 'global' | 'loop' | 'save' | 'stop' | 'tag' | 'value';

interface Token {
  kind: TokenKind;
  text: string;
  line: number;
  quoted: boolean;
}

const SPACE = 32;
const TAB = 9;
const NEWLINE = 10;
const HASH = 35;
const SEMICOLON = 59;
const SINGLE_QUOTE = 39;
const DOUBLE_QUOTE = 34;
const UNDERSCORE = 95;

function isBlank(code: number): boolean {
  return code === SPACE || code === TAB || code === NEWLINE || code === 13 || code === 11 || code === 12;
}

/**
 * Splits CIF text into tokens. Line endings are normalised first so that CR and CRLF files count lines like LF
 * files. A `;` opens a text field only in the first column, as the specification says.
 */
function tokenize(source: string, fileName: string): Token[] {
  const text = source.indexOf('\r') >= 0 ? source.replace(/\r\n?/g, '\n') : source;
  const tokens: Token[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  // A UTF-8 byte-order mark is not part of the content.
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  while (i < n) {
    const code = text.charCodeAt(i);
    if (code === NEWLINE) {
      line++;
      i++;
      continue;
    }
    if (isBlank(code)) {
      i++;
      continue;
    }
    if (code === HASH) {
      while (i < n && text.charCodeAt(i) !== NEWLINE) i++;
      continue;
    }
    const atLineStart = i === 0 || text.charCodeAt(i - 1) === NEWLINE;
    if (code === SEMICOLON && atLineStart) {
      const startLine = line;
      // The field runs to the next line that starts with ';'.
      let end = text.indexOf('\n;', i);
      if (end < 0) throw new CifError("text field opened with ';' is never closed", startLine, fileName);
      let content = text.slice(i + 1, end);
      // The first line's remainder belongs to the field; a field that begins with a newline starts on the next line.
      if (content.startsWith('\n')) content = content.slice(1);
      for (let k = i; k <= end; k++) if (text.charCodeAt(k) === NEWLINE) line++;
      tokens.push({ kind: 'value', text: content, line: startLine, quoted: true });
      i = end + 2;
      continue;
    }
    if (code === SINGLE_QUOTE || code === DOUBLE_QUOTE) {
      // A quote closes the string only when whitespace (or the end of the text) follows it.
      let j = i + 1;
      for (;;) {
        if (j >= n || text.charCodeAt(j) === NEWLINE) {
          throw new CifError(`quoted string starting with ${text[i]} is not closed on its line`, line, fileName);
        }
        if (text.charCodeAt(j) === code && (j + 1 >= n || isBlank(text.charCodeAt(j + 1)))) break;
        j++;
      }
      tokens.push({ kind: 'value', text: text.slice(i + 1, j), line, quoted: true });
      i = j + 1;
      continue;
    }
    let j = i + 1;
    while (j < n && !isBlank(text.charCodeAt(j))) j++;
    const word = text.slice(i, j);
    tokens.push(classifyWord(word, line));
    i = j;
  }
  return tokens;
}

function classifyWord(word: string, line: number): Token {
  if (word.charCodeAt(0) === UNDERSCORE) return { kind: 'tag', text: word, line, quoted: false };
  // Reserved words are case-insensitive; only the five below have meaning in CIF 1.1.
  const lower = word.length >= 5 ? word.slice(0, 5).toLowerCase() : '';
  if (lower === 'data_') return { kind: 'data', text: word.slice(5), line, quoted: false };
  if (lower === 'save_') return { kind: 'save', text: word.slice(5), line, quoted: false };
  if (lower === 'loop_' && word.length === 5) return { kind: 'loop', text: word, line, quoted: false };
  if (word.length === 7 && word.toLowerCase() === 'global_') return { kind: 'global', text: word, line, quoted: false };
  if (lower === 'stop_' && word.length === 5) return { kind: 'stop', text: word, line, quoted: false };
  return { kind: 'value', text: word, line, quoted: false };
}

/** Parses CIF text into data blocks with their raw items and loops. Throws {@link CifError} on invalid syntax. */
export function parseCif(text: string, options: CifParseOptions = {}): CifBlock[] {
  const fileName = options.fileName ?? '<cif>';
  const tokens = tokenize(text, fileName);
  const blocks: CifBlock[] = [];
  let block: CifBlock | undefined;
  let frame: CifFrame | undefined; // the block itself or an open save frame
  const fail = (reason: string, line: number): never => {
    throw new CifError(reason, line, fileName);
  };
  const addItem = (target: CifFrame, tag: string, value: CifValue, line: number) => {
    const key = tag.toLowerCase();
    if (target.items.has(key) || target.loopByTag.has(key)) fail(`duplicate tag ${tag}`, line);
    target.items.set(key, value);
  };
  const dataBlockNames = new Set<string>();

  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i]!;
    switch (token.kind) {
      case 'data':
      case 'global': {
        if (frame && frame !== block) fail(`save frame '${frame.name}' is not closed before the next block`, token.line);
        const name = token.kind === 'global' ? 'global_' : token.text;
        if (token.kind === 'data') {
          const key = name.toLowerCase();
          if (dataBlockNames.has(key)) fail(`duplicate data block name data_${name}`, token.line);
          dataBlockNames.add(key);
        }
        block = { name, line: token.line, items: new Map(), loops: [], loopByTag: new Map(), isGlobal: token.kind === 'global', saveFrames: [], fileName };
        blocks.push(block);
        frame = block;
        i++;
        break;
      }
      case 'save': {
        if (!block) fail('save frame outside a data block', token.line);
        if (token.text === '') {
          if (!frame || frame === block) fail("'save_' closes a save frame but none is open", token.line);
          frame = block;
        } else {
          if (frame !== block) fail(`save frame '${frame!.name}' is not closed before 'save_${token.text}'`, token.line);
          const saveFrame: CifFrame = { name: token.text, line: token.line, items: new Map(), loops: [], loopByTag: new Map() };
          block!.saveFrames.push(saveFrame);
          frame = saveFrame;
        }
        i++;
        break;
      }
      case 'stop':
        // `stop_` is reserved without meaning in CIF 1.1 (it ends nested loops in STAR); nothing to do.
        i++;
        break;
      case 'tag': {
        if (!frame) fail(`tag ${token.text} appears before any data_ block`, token.line);
        const next = tokens[i + 1];
        if (!next || next.kind !== 'value') fail(`tag ${token.text} has no value`, token.line);
        // Value tokens are CifValues already (text, line, quoted); kept as they are, with no copy per value.
        addItem(frame!, token.text, next!, token.line);
        i += 2;
        break;
      }
      case 'loop': {
        if (!frame) fail('loop_ appears before any data_ block', token.line);
        const loop: CifLoop = { tags: [], rows: [], line: token.line };
        i++;
        while (i < tokens.length && tokens[i]!.kind === 'tag') {
          const tag = tokens[i]!.text.toLowerCase();
          // The frame's index already holds this loop's earlier tags, so one look-up finds every duplicate.
          if (frame!.items.has(tag) || frame!.loopByTag.has(tag)) fail(`duplicate tag ${tokens[i]!.text}`, tokens[i]!.line);
          frame!.loopByTag.set(tag, loop);
          loop.tags.push(tag);
          i++;
        }
        if (loop.tags.length === 0) fail('loop_ without tags', token.line);
        const start = i;
        while (i < tokens.length && tokens[i]!.kind === 'value') i++;
        const values: CifValue[] = tokens.slice(start, i);
        if (values.length % loop.tags.length !== 0) {
          const lastLine = values.length > 0 ? values[values.length - 1]!.line : token.line;
          fail(
            `loop starting at line ${token.line} (${loop.tags[0]}…) has ${values.length} values, not a multiple of its ${loop.tags.length} tags`,
            lastLine,
          );
        }
        for (let r = 0; r < values.length; r += loop.tags.length) loop.rows.push(values.slice(r, r + loop.tags.length));
        frame!.loops.push(loop);
        break;
      }
      case 'value':
        fail(`value '${truncate(token.text)}' has no tag`, token.line);
    }
  }
  if (frame && block && frame !== block) fail(`save frame '${frame.name}' is not closed`, frame.line);
  return blocks;
}

function truncate(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > 40 ? `${oneLine.slice(0, 40)}…` : oneLine;
}

/** True for the CIF null values `?` (unknown) and `.` (inapplicable) — only when unquoted. */
export function isCifNull(value: CifValue | undefined): boolean {
  return value === undefined || (!value.quoted && (value.text === '?' || value.text === '.'));
}

// Unambiguous grammar (no nested quantifiers over the same characters), so matching is linear-time.
const NUMBER_PATTERN = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?(?:\(\d+\))?$/;

/**
 * A CIF number: optional sign, digits, decimal point, exponent and standard uncertainty in parentheses, e.g.
 * `1.234(5)` → 1.234. Returns undefined for anything else (including `?`, `.`, and numbers that overflow).
 */
export function parseCifNumber(text: string): number | undefined {
  if (text.length > 64 || !NUMBER_PATTERN.test(text)) return undefined;
  const paren = text.indexOf('(');
  const value = Number(paren >= 0 ? text.slice(0, paren) : text);
  return Number.isFinite(value) ? value : undefined;
}

/** All values of a tag in a frame: one for an item, one per row for a looped tag, none when absent. */
export function cifValues(frame: CifFrame, tag: string): CifValue[] {
  const key = tag.toLowerCase();
  const item = frame.items.get(key);
  if (item) return [item];
  const loop = frame.loopByTag.get(key);
  if (!loop) return [];
  const column = loop.tags.indexOf(key);
  return loop.rows.map((row) => row[column]!);
}

/** The single (non-looped) value of a tag, or undefined. */
export function cifItem(frame: CifFrame, tag: string): CifValue | undefined {
  return frame.items.get(tag.toLowerCase());
}

/** The loop that holds a tag, or undefined. */
export function cifLoopWith(frame: CifFrame, tag: string): CifLoop | undefined {
  return frame.loopByTag.get(tag.toLowerCase());
}
