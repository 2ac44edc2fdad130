import { defineConfig } from 'vitest/config';

// Integration tests start real Dovecot servers and spend most of their time waiting on them
// (throttles, kill loops, timeouts): on 2 cores, three files at a time keep both cores busy.
// Each test gets a generous timeout.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 3,
    restoreMocks: true,
  },
});
