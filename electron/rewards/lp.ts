/**
 * The linear-programming solver behind the convex-hull proxy: HiGHS compiled to WebAssembly (npm `highs`).
 *
 * Why HiGHS (npm `highs` 1.15.x) rather than the alternatives the issue names:
 * - HiGHS is the open-source LP solver that SciPy (`linprog`) and JuMP default to, actively developed at the
 *   University of Edinburgh; `highs` tracks its releases. Its dual simplex with presolve and scaling solves our
 *   small, dense, degenerate LPs (many phases on the same facet) to ~1e-9 accuracy.
 * - It ships as one .wasm inside the npm package (no native add-on, no download at install or run time), so it
 *   runs the same on Node 20 and inside Electron; we hand it the bytes ourselves so bundling/asar cannot break the
 *   loader's file lookup.
 * - `javascript-lp-solver` is pure JavaScript but unmaintained since 2020 and uses a fixed 1e-9-ish pivot
 *   tolerance with no presolve or scaling; `glpk.js` is also fine but its simplex is slower and its JavaScript API
 *   rebuilds the problem from an object tree on every call, whereas HiGHS keeps a model per chemical system
 *   that we re-solve with new right-hand sides (warm-started from the previous basis).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import loadHighs, { type Highs } from 'highs';

let highsPromise: Promise<Highs> | undefined;

/** The HiGHS runtime, compiled once per process. */
export function highsRuntime(): Promise<Highs> {
  if (!highsPromise) {
    const require = createRequire(import.meta.url);
    const wasmPath = require.resolve('highs/runtime');
    highsPromise = loadHighs({ wasmBinary: readFileSync(wasmPath) }).catch((error: unknown) => {
      highsPromise = undefined;
      throw new Error(`cannot load the HiGHS LP solver from ${wasmPath}: ${error instanceof Error ? error.message : String(error)}`);
    });
  }
  return highsPromise;
}

/**
 * A standard-form LP that is solved again and again with different equality right-hand sides:
 * minimise cᵀx subject to A x = b, x ≥ 0, with A dense (rows × columns) and only b changing between solves.
 */
export class EqualityLp {
  private readonly model: ReturnType<Highs['createModel']>;
  private readonly optimalStatus: number;
  private disposed = false;

  /**
   * @param matrix row-major dense coefficients, rows × columns
   * @param cost one entry per column
   */
  constructor(
    private readonly highs: Highs,
    readonly rows: number,
    readonly columns: number,
    matrix: Float64Array,
    cost: Float64Array,
  ) {
    if (matrix.length !== rows * columns) throw new Error(`EqualityLp: matrix has ${matrix.length} entries, expected ${rows}×${columns}`);
    if (cost.length !== columns) throw new Error(`EqualityLp: cost has ${cost.length} entries, expected ${columns}`);
    // Column-compressed non-zeros: HiGHS takes sparse input, and most phases contain few of the system's elements.
    const starts = new Int32Array(columns + 1);
    const indices: number[] = [];
    const values: number[] = [];
    for (let j = 0; j < columns; j++) {
      for (let i = 0; i < rows; i++) {
        const v = matrix[i * columns + j]!;
        if (v !== 0) {
          indices.push(i);
          values.push(v);
        }
      }
      starts[j + 1] = indices.length;
    }
    const zeros = new Float64Array(rows);
    this.model = highs.createModel({
      numCols: columns,
      numRows: rows,
      colCost: cost,
      colLower: new Float64Array(columns),
      colUpper: new Float64Array(columns).fill(highs.infinity),
      rowLower: zeros,
      rowUpper: zeros,
      matrix: { format: 'csc', numRows: rows, numCols: columns, starts, indices: Int32Array.from(indices), values: Float64Array.from(values) },
    });
    // Tiny, well-scaled LPs (fractions in [0, 1], energies of a few eV): presolve, scaling and the choice between
    // solvers buy nothing: a warm re-solve of a small LP is several times faster with them off, and on the reference
    // table's systems HiGHS's fixed per-run cost dominates (cold and warm query times: `node --import tsx bench/rewards-hull.ts`). A silent solver keeps stdout clean for --json output.
    this.model.options.set({ output_flag: false, presolve: 'off', solver: 'simplex', simplex_scale_strategy: 0 });
    this.optimalStatus = highs.constants.modelStatus.optimal;
  }

  /** Solve with right-hand side b; returns the optimal x and objective, or throws naming HiGHS's status. */
  solve(rhs: ArrayLike<number>): { x: Float64Array; objective: number } {
    if (this.disposed) throw new Error('EqualityLp: solve() after dispose()');
    if (rhs.length !== this.rows) throw new Error(`EqualityLp: right-hand side has ${rhs.length} entries, expected ${this.rows}`);
    const bounds = Float64Array.from(rhs);
    this.model.changeRowsBounds({ kind: 'range', from: 0, to: this.rows - 1 }, bounds, bounds);
    this.model.run();
    let status = this.model.getModelStatus();
    if (status !== this.optimalStatus) {
      // A warm start from an unlucky basis can stall; a cold start is the robust retry.
      this.model.clearSolver();
      this.model.run();
      status = this.model.getModelStatus();
    }
    if (status !== this.optimalStatus) {
      const name = Object.entries(this.highs.constants.modelStatus).find(([, code]) => code === status)?.[0] ?? String(status);
      throw new Error(`LP solve ended with status '${name}'`);
    }
    return { x: this.model.getSolution().colValue, objective: this.model.getObjectiveValue() };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.model.dispose();
  }
}
