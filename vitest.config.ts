import { defineConfig } from 'vitest/config';

// Two projects: pure/unit tests run in parallel; tests that need the practice lab
// (file names ending in .lab.test.ts, and everything under test/e2e) share one lab
// and run one file at a time after it is brought up once.
export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
          exclude: ['test/**/*.lab.test.ts', 'test/e2e/**', 'node_modules/**'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'lab',
          include: ['test/**/*.lab.test.ts', 'test/e2e/**/*.test.ts'],
          globalSetup: ['test/lab-global-setup.ts'],
          // Each file starts on a lab whose nodes all answer ssh (see the file for why).
          setupFiles: ['test/lab-file-setup.ts'],
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 300_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
