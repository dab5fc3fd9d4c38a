import { defineConfig } from "vite";
import solid from "vite-plugin-solid";

/** The worker `npm run dev` starts beside Vite (Vite takes 3000, the worker's usual port). */
const WORKER = process.env.PARLEY_DEV_WORKER ?? "http://127.0.0.1:3001";

export default defineConfig({
  root: import.meta.dirname,
  plugins: [solid()],
  server: {
    port: 3000,
    strictPort: true,
    proxy: {
      "/api": { target: WORKER, changeOrigin: false },
      "/ws": { target: WORKER.replace(/^http/, "ws"), ws: true },
      "/healthz": WORKER,
    },
  },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
});
