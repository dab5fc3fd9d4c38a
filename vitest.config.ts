import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Integration tests start real worker processes against the machine's PostgreSQL and Redis.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
    reporters: ["default"],
    projects: [
      { extends: true, test: { name: "server", include: ["**/*.test.ts"], exclude: ["**/node_modules/**", "web/**"] } },
      // The web UI's component tests (jsdom and the Solid compiler).
      "web/vitest.config.ts",
    ],
  },
});
