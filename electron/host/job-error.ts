import { escapeControl } from '../../shared/text/safe-text.ts';

/** The longest job error message kept (the UI shows one line; the full story is in the host's log). */
export const MAX_JOB_ERROR_LENGTH = 2000;

/**
 * A job's error message as it may be stored and shown: control characters (NUL bytes, terminal escapes, newlines)
 * escaped and the length bounded, since messages often quote the input that caused them.
 */
export function jobErrorMessage(message: string): string {
  const text = escapeControl(String(message));
  return text.length <= MAX_JOB_ERROR_LENGTH ? text : `${text.slice(0, MAX_JOB_ERROR_LENGTH)}… (${text.length - MAX_JOB_ERROR_LENGTH} more characters)`;
}

/** Top-level text fields of streamed items that carry input (file, block and structure names) or messages about it. */
const LABEL_FIELDS = ['source', 'block', 'name'] as const;
const MESSAGE_FIELDS = ['error', 'warning'] as const;
const MAX_LABEL_LENGTH = 500;

function bounded(text: string, max: number): string {
  const escaped = escapeControl(text);
  return escaped.length <= max ? escaped : `${escaped.slice(0, max)}… (${escaped.length - max} more characters)`;
}

/**
 * A streamed job output item with its labels and messages made safe to show (see `jobErrorMessage`); everything
 * else (CIF text, numbers) is left as the job produced it.
 */
export function safeOutputItem<T>(item: T): T {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return item;
  const record = item as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  const set = (key: string, value: unknown) => {
    if (record[key] === value) return;
    copy ??= { ...record };
    copy[key] = value;
  };
  for (const key of LABEL_FIELDS) if (typeof record[key] === 'string') set(key, bounded(record[key], MAX_LABEL_LENGTH));
  for (const key of MESSAGE_FIELDS) if (typeof record[key] === 'string') set(key, bounded(record[key], MAX_JOB_ERROR_LENGTH));
  if (Array.isArray(record.warnings)) {
    const warnings = record.warnings.map((w) => (typeof w === 'string' ? bounded(w, MAX_JOB_ERROR_LENGTH) : w));
    if (warnings.some((w, i) => w !== (record.warnings as unknown[])[i])) set('warnings', warnings);
  }
  return (copy ?? record) as T;
}
