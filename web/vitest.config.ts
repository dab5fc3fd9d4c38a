import { defineProject } from "vitest/config";
import solid from "vite-plugin-solid";

/** Component tests: jsdom and the Solid compiler. Run by the root `npm test` as the "web" project. */
export default defineProject({
  root: import.meta.dirname,
  plugins: [solid()],
  resolve: { conditions: ["development", "browser"] },
  test: {
    name: "web",
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
