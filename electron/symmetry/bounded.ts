/**
 * Symmetry analysis with bounds, for every caller in Node (CLI commands, engine-host jobs, library import,
 * dataset preparation, sampling): the structure is checked against SYMMETRY_LIMITS before moyo is called
 * (shared/symmetry/limits.ts), moyo runs in a worker thread that is terminated at the time limit (guard.ts), and
 * the JavaScript parts around it (pivot-rule checks, orbits) stop at the same deadline. Each failure is one line:
 * SymmetryLimitError names the limit, SymmetryTimeoutError the time limit.
 *
 * The functions keep the call shape of shared/symmetry's `analyzeStructure` and `detectSpaceGroup` (synchronous),
 * so a caller switches by changing the import.
 */
import type { Structure } from '../../shared/crystal/structure.ts';
import { type SymmetryAnalysis, DEFAULT_SYMPREC, analyzeStructure } from '../../shared/symmetry/analyze.ts';
import { EVALUATION_SYMPREC } from '../../shared/symmetry/tolerance.ts';
import { type SymmetryLimits, SYMMETRY_LIMITS, SymmetryLimitError, SymmetryTimeoutError, checkSymmetryLimits, deadlineAfter, seconds } from '../../shared/symmetry/limits.ts';
import { analyzeStructureWithPivotTolerance } from '../../shared/symmetry/tolerance.ts';
import { analyzeCellWithTimeout } from './guard.ts';

export { SYMMETRY_LIMITS, SymmetryLimitError, SymmetryTimeoutError };

/** Time limit for the whole analysis of one structure (all of moyo's tries included); real crystals take ms. */
export const SYMMETRY_TIME_LIMIT_MS = 10_000;

export interface BoundedAnalyzeOptions {
  /** Distance tolerance in Å (spglib's meaning), default DEFAULT_SYMPREC. */
  symprec?: number;
  /** Time limit in ms for this structure, default SYMMETRY_TIME_LIMIT_MS. */
  timeLimitMs?: number;
  /** Default SYMMETRY_LIMITS. */
  limits?: SymmetryLimits;
}

/** moyo in the worker with what is left of the structure's time; a timeout names the structure's limit. */
function moyoBefore(deadline: { at: number; limitMs: number }) {
  return (cellJson: string, symprec: number) => {
    try {
      return analyzeCellWithTimeout(cellJson, symprec, deadline.at - performance.now());
    } catch (error) {
      if (error instanceof SymmetryTimeoutError) {
        throw new SymmetryTimeoutError(`symmetry analysis stopped at its time limit of ${seconds(deadline.limitMs)} s per structure (moyo, symprec ${symprec} Å)`);
      }
      throw error;
    }
  };
}

/**
 * `analyzeStructure` within SYMMETRY_LIMITS and a time limit. Throws SymmetryLimitError, SymmetryTimeoutError or
 * SymmetryError (moyo's own failure), each with a one-line message.
 */
export function analyzeStructureBounded(s: Structure, options: BoundedAnalyzeOptions = {}): SymmetryAnalysis {
  const deadline = deadlineAfter(options.timeLimitMs ?? SYMMETRY_TIME_LIMIT_MS)!;
  return analyzeStructure(s, {
    symprec: options.symprec ?? DEFAULT_SYMPREC,
    limits: options.limits ?? SYMMETRY_LIMITS,
    deadline,
    analyzeCell: moyoBefore(deadline),
  });
}

/**
 * The space-group number only (as shared/symmetry's `detectSpaceGroup`), within SYMMETRY_LIMITS and a time limit;
 * null when the structure is beyond a limit, moyo fails or the time runs out.
 */
export function detectSpaceGroupBounded(s: Structure, symprec = EVALUATION_SYMPREC, timeLimitMs = SYMMETRY_TIME_LIMIT_MS): number | null {
  if (s.numSites === 0) return null;
  try {
    checkSymmetryLimits(s);
    const deadline = deadlineAfter(timeLimitMs)!;
    return analyzeStructureWithPivotTolerance(s, symprec, moyoBefore(deadline), deadline).number;
  } catch {
    return null;
  }
}

/** Time for the analyses of all structures in one file (a CIF can hold thousands of blocks). */
export const SYMMETRY_TIME_PER_FILE_MS = 60_000;

/**
 * A time budget shared by the analyses of one file's structures: each gets at most SYMMETRY_TIME_LIMIT_MS and no
 * more than what the file has left, so a file of many structures moyo cannot finish ends after about a minute, not
 * a structure-count multiple of the limit. Once the budget is spent, `analyze` fails at once, saying so.
 */
export function symmetryBudgetForFile(totalMs = SYMMETRY_TIME_PER_FILE_MS): { analyze(s: Structure, options?: BoundedAnalyzeOptions): SymmetryAnalysis } {
  const end = performance.now() + totalMs;
  return {
    analyze(s, options = {}) {
      const left = end - performance.now();
      if (left <= 0) throw new SymmetryTimeoutError(`not analysed: the file's symmetry-analysis time of ${seconds(totalMs)} s is used up`);
      const ownLimitMs = options.timeLimitMs ?? SYMMETRY_TIME_LIMIT_MS;
      if (ownLimitMs <= left) return analyzeStructureBounded(s, { ...options, timeLimitMs: ownLimitMs });
      // The file's budget binds, not the structure's limit: say so (the remainder is a clock reading, not a limit
      // anyone set, and differs from run to run).
      try {
        return analyzeStructureBounded(s, { ...options, timeLimitMs: left });
      } catch (error) {
        if (error instanceof SymmetryTimeoutError) {
          throw new SymmetryTimeoutError(`symmetry analysis stopped: the file's symmetry-analysis time of ${seconds(totalMs)} s ran out`);
        }
        throw error;
      }
    },
  };
}
