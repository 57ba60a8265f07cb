/**
 * Run one piece of work over many inputs (files, CSV rows, library rows, uploaded sources), keep going past the
 * ones that fail and say which failed and why. Every batch command (`cfstudio predict`, `reward score`, `score`,
 * `inspect`, `convert`, `evaluate`) and every job that reads many sources uses this one loop, so a bad file is a
 * reported failure everywhere rather than the end of the run — unless the caller asks for `strict` (stop at the
 * first failure).
 */
import { errorLine, safeMessageLine } from '../text/safe-text.ts';

/** One input that could not be processed: its name (file, `file:line`, `library #id`) and a one-line reason. */
export interface InputFailure {
  file: string;
  error: string;
}

export interface InputSuccess<R> {
  /** The input's name, as in failures. */
  file: string;
  /** Position of the input in the sequence given. */
  index: number;
  value: R;
}

export interface EachInputOutcome<R> {
  succeeded: InputSuccess<R>[];
  failures: InputFailure[];
  /** Inputs seen (succeeded + failed). */
  total: number;
}

export interface EachInputOptions<I> {
  /** The input's name in reports (a file path, `file:line`, `library #id`). */
  name: (input: I, index: number) => string;
  /** Stop at the first failure: the failure is thrown as a `BatchInputError` (nothing after it runs). */
  strict?: boolean;
  /** Runs before each input (progress, yielding to a cancel); an error thrown here ends the whole run. */
  before?: (input: I, index: number) => void | Promise<void>;
  /** Told about each failure as it happens (a job streams it as an output). */
  onFailure?: (failure: InputFailure, input: I, index: number) => void;
  /** Told about each success as it happens. */
  onSuccess?: (success: InputSuccess<unknown>, input: I, index: number) => void;
  /** When aborted, an error is not the input's fault: it ends the whole run instead of being recorded. */
  signal?: AbortSignal;
}

/** A failure that ends a strict run (or a run of one input); its message is the failure's one-line reason. */
export class BatchInputError extends Error {
  override name = 'BatchInputError';
  constructor(readonly failure: InputFailure) {
    super(failure.error);
  }
}

/**
 * The reason for a failure as one safe line, naming the input: the error's first line (escaped, bounded), prefixed
 * with the input's name unless the message already starts with it (readers name the file and line themselves).
 */
export function failureReason(error: unknown, file: string): string {
  const line = errorLine(error);
  const name = safeMessageLine(file, 500);
  return line.startsWith(name) ? line : `${name}: ${line}`;
}

/**
 * `work` on every input in order; a thrown error marks that input failed (reason: `failureReason`) and the loop goes
 * on. Results come back in input order; `work` returning an array does not flatten (a CIF of several blocks is one
 * input with several results).
 */
export async function runEachInput<I, R>(
  inputs: Iterable<I> | AsyncIterable<I>,
  work: (input: I, index: number) => R | Promise<R>,
  options: EachInputOptions<I>,
): Promise<EachInputOutcome<R>> {
  const succeeded: InputSuccess<R>[] = [];
  const failures: InputFailure[] = [];
  let index = 0;
  for await (const input of inputs) {
    const i = index++;
    await options.before?.(input, i);
    const file = options.name(input, i);
    let value: R;
    try {
      value = await work(input, i);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      const failure: InputFailure = { file, error: failureReason(error, file) };
      if (options.strict) throw new BatchInputError(failure);
      failures.push(failure);
      options.onFailure?.(failure, input, i);
      continue;
    }
    const success = { file, index: i, value };
    succeeded.push(success);
    options.onSuccess?.(success, input, i);
  }
  return { succeeded, failures, total: index };
}

/** Text lines listing failures, for a command's text output: a heading with the count, then one line per input. */
export function failureReportLines(failures: readonly InputFailure[], total: number): string[] {
  if (failures.length === 0) return [];
  return [`failed: ${failures.length} of ${total} input${total === 1 ? '' : 's'}`, ...failures.map((f) => `  ${f.error}`)];
}
