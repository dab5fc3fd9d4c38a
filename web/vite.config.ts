import { defineConfig } from "vite";
import { compression } from "vite-plugin-compression2";
import solid from "vite-plugin-solid";

/** The worker `npm run dev` starts beside Vite (Vite takes 3000, the worker's usual port). */
const WORKER = process.env.PARLEY_DEV_WORKER ?? "http://127.0.0.1:3001";

export default defineConfig({
  root: import.meta.dirname,
  // Brotli and gzip copies (best levels) beside each compressible file, for the Node server to send as
  // negotiated (worker/src/node/static-ui.ts); Workers static assets leave them out (public/.assetsignore).
  plugins: [solid(), compression({ algorithms: ["brotliCompress", "gzip"] })],
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
