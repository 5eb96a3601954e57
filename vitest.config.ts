import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // tfjs-wasm warm-up and property tests over hundreds of seeds need more than the 5 s default
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // forks keep each test file's wasm heap in its own process
    pool: 'forks',
  },
});
