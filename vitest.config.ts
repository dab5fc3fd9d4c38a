import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Integration tests start real worker processes against the machine's PostgreSQL and Redis.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll's 1 s default is short for a browser on a loaded 2-core machine (a page load, a
    // history fetch); a poll that can succeed keeps polling up to this, one that cannot fails at it.
    expect: { poll: { timeout: 10_000 } },
    pool: "forks",
    maxWorkers: 2,
    reporters: ["default"],
    projects: [
      {
        extends: true,
        // Creates the `test` database when missing; fails fast when PostgreSQL or Redis is down.
        test: { name: "server", include: ["**/*.test.ts"], exclude: ["**/node_modules/**", "web/**"], globalSetup: ["test/support/global-setup.ts"] },
      },
      // The web UI's component tests (jsdom and the Solid compiler).
      "web/vitest.config.ts",
    ],
  },
});
