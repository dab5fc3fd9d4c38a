# A Parley worker; with `node --import tsx lb/src/entry/node.ts` as its command, the balancer.
# `docker compose up` runs three workers behind the balancer on PostgreSQL and Redis.
FROM node:24-bookworm-slim
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
# The web UI, served by the worker at /.
RUN npm run build
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
EXPOSE 3000
USER node
# One node process, no npx or tsx CLI parent, so `docker stop`'s SIGTERM reaches the drain handler.
CMD ["node", "--import", "tsx", "worker/src/entry/node.ts"]
