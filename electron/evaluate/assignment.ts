/**
 * Minimum-cost perfect assignment on a square cost matrix (the Hungarian method with row/column potentials and
 * shortest augmenting paths, O(n³)). Used to pair atoms of two structures when matching them.
 */

/**
 * `cost` is row-major n × n. Returns `rowToColumn` with the column assigned to each row. Costs must be finite
 * (use a large number for forbidden pairs).
 */
export function minimumCostAssignment(cost: Float64Array, n: number): Int32Array {
  // Potentials u (rows) and v (columns), 1-based with a virtual column 0 that holds the row being inserted.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const columnOwner = new Int32Array(n + 1); // row matched to each column (0 = none)
  const previous = new Int32Array(n + 1);
  const minSlack = new Float64Array(n + 1);
  const used = new Uint8Array(n + 1);
  for (let row = 1; row <= n; row++) {
    columnOwner[0] = row;
    let column = 0;
    minSlack.fill(Infinity);
    used.fill(0);
    do {
      used[column] = 1;
      const activeRow = columnOwner[column]!;
      let delta = Infinity;
      let nextColumn = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const slack = cost[(activeRow - 1) * n + (j - 1)]! - u[activeRow]! - v[j]!;
        if (slack < minSlack[j]!) {
          minSlack[j] = slack;
          previous[j] = column;
        }
        if (minSlack[j]! < delta) {
          delta = minSlack[j]!;
          nextColumn = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[columnOwner[j]!] += delta;
          v[j] -= delta;
        } else minSlack[j] -= delta;
      }
      column = nextColumn;
    } while (columnOwner[column] !== 0);
    // Flip the augmenting path back to the virtual column.
    do {
      const before = previous[column]!;
      columnOwner[column] = columnOwner[before]!;
      column = before;
    } while (column !== 0);
  }
  const rowToColumn = new Int32Array(n);
  for (let j = 1; j <= n; j++) rowToColumn[columnOwner[j]! - 1] = j - 1;
  return rowToColumn;
}
