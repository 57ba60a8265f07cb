import { defineConfig } from 'vitest/config';

/**
 * Browser tests of the renderer (`npm run test:e2e`): the global setup builds the app with Vite and serves
 * dist/renderer on a loopback port; each test drives Debian's Chromium through playwright-core. Kept out of the
 * main suite (which only includes *.test.ts) because it needs a browser and a build.
 */
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.ts'],
    globalSetup: ['tests/e2e/global-setup.ts'],
    // One browser at a time: the machine has two cores and software WebGL is CPU-bound.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
