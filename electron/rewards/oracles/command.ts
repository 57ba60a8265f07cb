/**
 * External oracle (1): a long-running command speaking JSON lines. See CommandOracleSpec in ../spec.ts for the
 * protocol. The process is started on first use and kept; a batch that times out kills it (it may be stuck) and
 * the next batch starts a new one. Everything that can go wrong — the command not found, a crash, a hang, garbage,
 * NaN — becomes counted failures in the returned scores, never an exception.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Composition } from '../../../shared/crystal/composition.ts';
import type { CommandOracleSpec } from '../../../shared/api/reward-spec.ts';
import { addMessage, emptyScores, scoreInChunks, type CandidateInput, type OracleScores, type RewardOracle } from '../types.ts';

export const DEFAULT_COMMAND_TIMEOUT_SECONDS = 60;
export const DEFAULT_BATCH_SIZE = 32;
/** After this many batches in a row in which the process died without answering anything, stop starting it. */
const MAX_CONSECUTIVE_DEAD_STARTS = 3;
/** Stderr lines kept for messages. */
const STDERR_TAIL = 5;

/** One answer line parsed: a value, or why there is none. */
type Answer = { kind: 'value'; value: number } | { kind: 'non-finite' } | { kind: 'error'; message: string };

/** JSON has no NaN/Infinity, but Python's json.dumps writes them: read them as non-finite instead of garbage. */
const NON_FINITE_TOKEN = /(?<![\w".])(-?Infinity|NaN|-?inf|nan)(?![\w"])/g;

export function parseAnswerLine(line: string, expectedId: number): Answer {
  const hadNonFinite = NON_FINITE_TOKEN.test(line);
  NON_FINITE_TOKEN.lastIndex = 0;
  let value: unknown;
  try {
    value = JSON.parse(hadNonFinite ? line.replace(NON_FINITE_TOKEN, 'null') : line);
  } catch {
    return { kind: 'error', message: `answer is not JSON: ${truncate(line)}` };
  }
  if (value === null) return hadNonFinite ? { kind: 'non-finite' } : { kind: 'error', message: 'answer is null' };
  if (typeof value === 'number') return Number.isFinite(value) ? { kind: 'value', value } : { kind: 'non-finite' };
  if (typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    if ('id' in record && record.id !== expectedId) {
      return { kind: 'error', message: `answer carries id ${JSON.stringify(record.id)} where ${expectedId} was expected (answers must come in order)` };
    }
    if (typeof record.error === 'string') return { kind: 'error', message: `oracle error: ${truncate(record.error)}` };
    if (!('reward' in record)) return { kind: 'error', message: `answer has no "reward": ${truncate(line)}` };
    const reward = record.reward;
    if (reward === null) return hadNonFinite ? { kind: 'non-finite' } : { kind: 'error', message: 'reward is null' };
    if (typeof reward === 'number') return Number.isFinite(reward) ? { kind: 'value', value: reward } : { kind: 'non-finite' };
    return { kind: 'error', message: `reward is not a number: ${truncate(JSON.stringify(reward))}` };
  }
  return { kind: 'error', message: `answer is neither a number nor an object: ${truncate(line)}` };
}

function truncate(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The request line for one candidate. */
export function requestLine(candidate: CandidateInput, id: number): string {
  const structure = candidate.structure;
  return JSON.stringify({
    id,
    cif: candidate.cif,
    formula: Composition.fromStructure(structure).reducedFormula,
    spaceGroup: candidate.description.spaceGroup,
    numSites: structure.numSites,
  });
}

interface Running {
  child: ChildProcessWithoutNullStreams;
  /** Answers waiting for a batch to take them. */
  lines: string[];
  /** Called when a line arrives or the process ends. */
  wake: (() => void) | undefined;
  exited: boolean;
  exitDescription: string;
  stoppedByUs: boolean;
  stderrTail: string[];
}

export class CommandOracle implements RewardOracle {
  readonly label: string;
  private readonly timeoutMs: number;
  private readonly batchSize: number;
  private running: Running | undefined;
  private nextId = 0;
  private deadStarts = 0;
  private closed = false;
  /** Batches run one at a time: answers are matched to requests by order. */
  private queue: Promise<unknown> = Promise.resolve();

  /** @param baseDir directory that a relative `cwd` is resolved against */
  constructor(
    private readonly spec: CommandOracleSpec,
    private readonly baseDir: string = process.cwd(),
  ) {
    this.label = `command '${[spec.command, ...(spec.args ?? [])].join(' ')}'`;
    this.timeoutMs = (spec.timeoutSeconds ?? DEFAULT_COMMAND_TIMEOUT_SECONDS) * 1000;
    this.batchSize = spec.batchSize ?? DEFAULT_BATCH_SIZE;
  }

  score(batch: readonly CandidateInput[]): Promise<OracleScores> {
    const result = this.queue.then(() => this.scoreAll(batch));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private scoreAll(batch: readonly CandidateInput[]): Promise<OracleScores> {
    return scoreInChunks(batch, this.batchSize, (chunk) => this.scoreBatch(chunk));
  }

  private async scoreBatch(batch: readonly CandidateInput[]): Promise<OracleScores> {
    const scores = emptyScores(batch.length);
    if (this.closed) {
      scores.errors = batch.length;
      addMessage(scores, `${this.label}: oracle is closed`);
      return scores;
    }
    if (this.deadStarts >= MAX_CONSECUTIVE_DEAD_STARTS) {
      scores.errors = batch.length;
      addMessage(scores, `${this.label}: not restarted after ${MAX_CONSECUTIVE_DEAD_STARTS} batches in a row in which it died without answering`);
      return scores;
    }
    let requests: string[];
    const firstId = this.nextId;
    try {
      requests = batch.map((candidate, i) => requestLine(candidate, firstId + i));
    } catch (error) {
      scores.errors = batch.length;
      addMessage(scores, `${this.label}: cannot describe a candidate: ${(error as Error).message}`);
      return scores;
    }
    this.nextId += batch.length;
    const running = this.running && !this.running.exited ? this.running : this.start();
    running.lines.length = 0; // stray output from before this batch cannot answer it
    running.child.stdin.write(`${requests.join('\n')}\n`);

    const deadline = Date.now() + this.timeoutMs;
    let answered = 0;
    while (answered < batch.length) {
      const line = running.lines.shift();
      if (line !== undefined) {
        const answer = parseAnswerLine(line, firstId + answered);
        if (answer.kind === 'value') scores.values[answered] = answer.value;
        else if (answer.kind === 'non-finite') scores.nonFinite++;
        else {
          scores.errors++;
          addMessage(scores, `${this.label}: ${answer.message}`);
        }
        answered++;
        continue;
      }
      if (running.exited) {
        scores.errors += batch.length - answered;
        const tail = running.stderrTail.length ? `; stderr: ${running.stderrTail.join(' | ')}` : '';
        addMessage(scores, `${this.label}: ${running.exitDescription} after ${answered} of ${batch.length} answers${tail}`);
        break;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        scores.timeouts += batch.length - answered;
        addMessage(scores, `${this.label}: no answer within ${this.timeoutMs / 1000} s for ${batch.length - answered} of ${batch.length} candidates; process restarted`);
        this.kill(running);
        break;
      }
      await new Promise<void>((done) => {
        const timer = setTimeout(done, remaining);
        running.wake = () => {
          clearTimeout(timer);
          done();
        };
      });
      running.wake = undefined;
    }
    // Only deaths of its own count towards giving up; a batch we stopped for taking too long does not.
    if (running.exited && !running.stoppedByUs && answered === 0) this.deadStarts++;
    else if (answered > 0) this.deadStarts = 0;
    return scores;
  }

  private start(): Running {
    const child = spawn(this.spec.command, this.spec.args ?? [], {
      cwd: this.spec.cwd ? resolve(this.baseDir, this.spec.cwd) : this.baseDir,
      env: { ...process.env, ...this.spec.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const running: Running = { child, lines: [], wake: undefined, exited: false, exitDescription: '', stoppedByUs: false, stderrTail: [] };
    const wake = () => running.wake?.();
    const finish = (description: string) => {
      if (running.exited) return;
      running.exited = true;
      running.exitDescription = description;
      wake();
    };
    child.on('error', (error: NodeJS.ErrnoException) => finish(error.code === 'ENOENT' ? `cannot start (${error.code}: command not found)` : `failed: ${error.message}`));
    child.on('exit', (code, signal) => finish(signal ? `was killed by ${signal}` : `exited with code ${code}`));
    // A process that dies while we write gets EPIPE on stdin: that is reported through 'exit', not thrown.
    child.stdin.on('error', () => {});
    createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
      if (line.trim() === '') return;
      running.lines.push(line);
      wake();
    });
    createInterface({ input: child.stderr, crlfDelay: Infinity }).on('line', (line) => {
      if (line.trim() === '') return;
      running.stderrTail.push(truncate(line.trim(), 200));
      if (running.stderrTail.length > STDERR_TAIL) running.stderrTail.shift();
    });
    this.running = running;
    return running;
  }

  private kill(running: Running): void {
    running.exited = true;
    running.stoppedByUs = true;
    running.exitDescription = 'was stopped';
    running.child.kill('SIGKILL');
    if (this.running === running) this.running = undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    const running = this.running;
    this.running = undefined;
    if (!running || running.exited) return;
    // Closing stdin asks a well-behaved oracle to exit; a stubborn one is killed after a grace period.
    const exited = new Promise<void>((done) => running.child.once('exit', () => done()));
    running.child.stdin.end();
    const timer = setTimeout(() => running.child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }
}
