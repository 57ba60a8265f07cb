import type { ParseArgsConfig } from 'node:util';
import { type EachInputOptions, type EachInputOutcome, BatchInputError, runEachInput } from '../../shared/batch/each-input.ts';
import { quoteForMessage } from '../../shared/text/safe-text.ts';
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
  /** Extra paragraph printed at the end of `--help` (e.g. what the exit code means). */
  notes?: string;
  /** Resolves to the exit code (0 when nothing is returned): batch commands return 1 when any input failed. */
  run(values: ParsedValues, positionals: string[], ctx: CommandContext): Promise<void | number> | void | number;
}

/**
 * A string option's value, or undefined when it was not given. An empty value (`--spacegroup=`) is a mistake, not
 * "any": every option that takes a value needs one.
 */
export function stringOption(values: ParsedValues, name: string): string | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new UserError(`--${name} takes a value`);
  if (value.trim() === '') throw new UserError(`--${name} needs a value, got an empty one${value === '' ? '' : ` (${quoteForMessage(value)})`}`);
  return value;
}

/** A repeatable string option's values (empty array when not given); an empty value is a mistake, as in stringOption. */
export function stringListOption(values: ParsedValues, name: string): string[] {
  const value = values[name];
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => {
    if (typeof item !== 'string') throw new UserError(`--${name} takes a value`);
    if (item.trim() === '') throw new UserError(`--${name} needs a value, got an empty one`);
    return item;
  });
}

/** Every batch command's `--strict`. */
export const STRICT_OPTION: OptionSpec = {
  type: 'boolean',
  description: 'stop at the first input that cannot be processed (exit 1) instead of reporting it and going on',
};

/** The help note of every batch command: what the exit code says. */
export const BATCH_EXIT_NOTE =
  'Inputs that cannot be read or processed are listed with the reason (text and --json) and the others are still processed. ' +
  'Exit code: 0 when every input succeeded, 1 when any failed (or on a mistake in the command line), 2 on an internal error; --strict stops at the first failure.';

/**
 * A batch command's loop over its inputs (runEachInput): failures are collected, or with `--strict` the first one
 * ends the command as a one-line error. With a single input there is nothing to go on to, so its failure is the
 * command's error (exit 1, one line), as before batches existed.
 */
export async function runInputsForCli<I, R>(
  inputs: readonly I[],
  work: (input: I, index: number) => R | Promise<R>,
  options: EachInputOptions<I>,
): Promise<EachInputOutcome<R>> {
  try {
    return await runEachInput(inputs, work, { ...options, strict: options.strict === true || inputs.length === 1 });
  } catch (error) {
    if (error instanceof BatchInputError) throw new UserError(error.failure.error);
    throw error;
  }
}

/** The exit code of a batch (0 all succeeded, 1 any failed); logs one summary line on stderr when some failed. */
export function batchExitCode(ctx: CommandContext, outcome: Pick<EachInputOutcome<unknown>, 'failures' | 'total'>): number {
  if (outcome.failures.length === 0) return 0;
  ctx.log(`cfstudio: ${outcome.failures.length} of ${outcome.total} inputs failed (listed in the output)`);
  return 1;
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
    throw new UserError(`--${name} must be an integer${Number.isFinite(min) ? ` ≥ ${min}` : ''}${Number.isFinite(max) ? ` and ≤ ${max}` : ''}, got ${quoteForMessage(raw)}`);
  }
  return value;
}

export function numberOption(values: ParsedValues, name: string, fallback: number, min = -Infinity, max = Infinity): number {
  const raw = stringOption(values, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new UserError(`--${name} must be a number in [${min}, ${max}], got ${quoteForMessage(raw)}`);
  }
  return value;
}
