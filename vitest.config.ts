import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    // No test writes into the developer's ~/.cfstudio/workspace.
    globalSetup: ['tests/global-workspace.ts'],
    // Native addons (onnxruntime-node, better-sqlite3) are happiest in child processes, not worker threads.
    pool: 'forks',
    // Two cores: one test file per core keeps wall time predictable.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
