import type { ParseArgsConfig } from 'node:util';

import { UserError } from '../../shared/errors.ts';

/** A mistake in what the user asked for: printed as one line, exit code 1, no stack trace. */
export { UserError };

export type OptionSpec = NonNullable<ParseArgsConfig['options']>[string] & { description: string; valueName?: string };

export type ParsedValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface CommandContext {
  /** Where human-readable progress goes (stderr), so stdout stays clean for --json output. */
  log: (line: string) => void;
  /** Where results go (stdout). */
  out: (text: string) => void;
}

export interface Command {
  /** Words that select this command, e.g. `['data', 'prepare']`. */
  path: string[];
  summary: string;
  /** Positional arguments, e.g. `FILE` — shown in the help line. */
  positionals?: string;
  options: Record<string, OptionSpec>;
  run(values: ParsedValues, positionals: string[], ctx: CommandContext): Promise<void> | void;
}

export function stringOption(values: ParsedValues, name: string): string | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new UserError(`--${name} takes a value`);
  return value;
}

export function requiredString(values: ParsedValues, name: string): string {
  const value = stringOption(values, name);
  if (value === undefined || value === '') throw new UserError(`--${name} is required`);
  return value;
}

/** Parse an integer option with bounds; the message names the option. */
export function intOption(values: ParsedValues, name: string, fallback: number, min = -Infinity, max = Infinity): number {
  const raw = stringOption(values, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UserError(`--${name} must be an integer${Number.isFinite(min) ? ` ≥ ${min}` : ''}${Number.isFinite(max) ? ` and ≤ ${max}` : ''}, got '${raw}'`);
  }
  return value;
}

export function numberOption(values: ParsedValues, name: string, fallback: number, min = -Infinity, max = Infinity): number {
  const raw = stringOption(values, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new UserError(`--${name} must be a number in [${min}, ${max}], got '${raw}'`);
  }
  return value;
}
