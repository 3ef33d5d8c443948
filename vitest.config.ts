import { defineConfig } from 'vitest/config';

// GPU tests share one software adapter with 2 CPU cores: run files one at a time so that timings
// stay predictable and Dawn is never asked for two devices concurrently by racing workers.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
