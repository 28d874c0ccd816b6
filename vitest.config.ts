import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests beside the code and in test/unit, and integration tests against
// real services (Kafka broker, Chromium, Prometheus, Alertmanager) in test/integration.
export default defineConfig({
  test: {
    reporters: process.env.CI ? ['default'] : ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts'],
          // Properties run with one fixed seed (FC_SEED=random to explore locally).
          setupFiles: ['test/setup/fast-check.ts'],
          // A timeout catches hangs, not slowness (speed is measured in bench/): tests that run the
          // real CLI six times take 15 s on an idle 2-core machine here, 30 s was within reach
          // under load.
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // A real Kafka broker for the run (or the one KAFKA_BROKERS names).
          globalSetup: ['test/setup/kafka.ts'],
          setupFiles: ['test/setup/fast-check.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          // Real services on 2 cores: one file at a time keeps timings sane.
          fileParallelism: false,
        },
      },
    ],
  },
});
