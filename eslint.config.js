// `npm run lint`: ESLint with typescript-eslint everywhere, the Solid plugin for web/, and the project's
// boundary rules: core code imports no runtime or driver, only web/src/transport touches the network, and
// the web UI's bundle carries no zod.
import js from "@eslint/js";
import solid from "eslint-plugin-solid/configs/typescript";
import globals from "globals";
import tseslint from "typescript-eslint";

/** What only entry points and adapters may import: runtimes, drivers, the logger, the metrics registry (Node-only). */
const RUNTIME_IMPORTS = [
  {
    regex: "^(ioredis|postgres|pino|ws|prom-client)$",
    message: "core code stays runtime-neutral: take a port instead (adapters live in worker/src/node, worker/src/workerd)",
  },
  {
    regex: "^(node:|cloudflare:|@hono/node-|@electric-sql/pglite)",
    message: "core code stays runtime-neutral: only entry points and adapters import a runtime",
  },
  { regex: "^(@parley/db/node|drizzle-orm/(postgres-js|pglite))$", message: "core code stays runtime-neutral: drivers are built in db/src/node.ts" },
];

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/dist/**", ".wrangler/**", "bench/results/**", "test-results/**", "coverage/**", "db/migrations/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true }],
      // Control characters are the point of several validation patterns.
      "no-control-regex": "off",
      "prefer-const": ["error", { destructuring: "all", ignoreReadBeforeAssign: true }],
      eqeqeq: ["error", "always", { null: "ignore" }],
      "no-console": "off",
    },
  },
  {
    // The core: runtime-neutral, so it runs on Node and workerd alike.
    files: ["protocol/src/**/*.ts", "common/src/**/*.ts", "db/src/**/*.ts", "worker/src/**/*.ts"],
    // common/src/redis.ts is Node only, reached through its own subpath export (@parley/common/redis).
    ignores: [
      "worker/src/node/**",
      "worker/src/workerd/**",
      "worker/src/entry/**",
      "db/src/node.ts",
      "db/src/cli/**",
      "common/src/redis.ts",
      "**/*.test.ts",
      "**/*.contract.ts",
    ],
    rules: {
      "no-restricted-imports": ["error", { patterns: RUNTIME_IMPORTS }],
      "no-restricted-syntax": [
        "error",
        ...RUNTIME_IMPORTS.map(({ regex, message }) => ({ selector: `ImportExpression[source.value=/${regex.replaceAll("/", "\\/")}/]`, message })),
      ],
    },
  },
  {
    // Tests and benches read arbitrary JSON answers.
    files: ["test/**/*.ts", "bench/**/*.ts", "**/*.test.{ts,tsx}", "**/*.contract.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    // The balancer and the shared pieces stand on their own: nothing of the worker.
    files: ["lb/**/*.ts", "common/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { regex: "^@parley/worker|/worker/src/", message: "lb/ and common/ import nothing from the worker: shared pieces live in @parley/common" },
          ],
        },
      ],
    },
  },
  {
    files: ["web/**/*.{ts,tsx}"],
    ...solid,
    languageOptions: { ...solid.languageOptions, globals: { ...globals.browser } },
    // Solid assigns `ref` variables through its compiler, which this rule cannot see.
    rules: { ...solid.rules, "no-unassigned-vars": "off" },
  },
  {
    // One transport module is the only code that touches fetch and WebSocket.
    files: ["web/src/**/*.{ts,tsx}"],
    // app-context.tsx is the composition root that hands the global constructors to the transport.
    ignores: ["web/src/transport/**", "web/src/state/app-context.tsx", "web/src/**/*.test.{ts,tsx}"],
    rules: {
      "no-restricted-globals": [
        "error",
        { name: "fetch", message: "go through web/src/transport (HttpClient)" },
        { name: "WebSocket", message: "go through web/src/transport (SocketClient)" },
      ],
    },
  },
  {
    // zod was most of the bundle's JavaScript: web code takes values from the zod-free @parley/protocol/client.
    files: ["web/src/**/*.{ts,tsx}"],
    ignores: ["web/src/**/*.test.{ts,tsx}"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          paths: [
            { name: "@parley/protocol", allowTypeImports: true, message: "its root carries zod into the bundle: import values from @parley/protocol/client" },
            { name: "zod", allowTypeImports: true, message: "the web UI's bundle stays without zod: checks live in @parley/protocol/client" },
          ],
        },
      ],
    },
  },
);
