import { defineConfig } from 'vitest/config';

// Integration tests start real Dovecot servers; the machine has 2 cores, so files run
// two at a time and each test gets a generous timeout.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    restoreMocks: true,
  },
});
