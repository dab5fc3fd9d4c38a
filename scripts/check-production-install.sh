#!/usr/bin/env bash
# npm run check:prod: does a production install work? Copies the tracked files and the built
# web/dist to a temporary directory, installs with `npm ci --omit=dev` (no Vite, no test tools),
# starts it with `npm start` on a free port, and checks GET /readyz answers 200 and that
# `npm run try` round-trips a message. Catches a runtime import that is only a devDependency.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[check:prod] %s\n' "$*"; }
work=$(mktemp -d "${TMPDIR:-/tmp}/parley-prod.XXXXXX")
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ ! -f web/dist/index.html ]; then
  log "web/dist is missing: building it (npm run build)"
  npm run build --silent
fi

log "copying the tracked files and web/dist to $work/app"
mkdir -p "$work/app"
git ls-files -z | tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C "$work/app"
cp -R web/dist "$work/app/web/dist"

cd "$work/app"
log "npm ci --omit=dev"
# --offline uses npm's cache only (fast, no network); a cold cache falls back to the registry.
npm ci --omit=dev --no-audit --no-fund --offline >"$work/install.log" 2>&1 \
  || { log "offline install failed (cache incomplete?): retrying online"; npm ci --omit=dev --no-audit --no-fund >"$work/install.log" 2>&1; } \
  || { cat "$work/install.log"; log "FAILED: npm ci --omit=dev"; exit 1; }
if [ -e node_modules/vite ] || [ -e node_modules/vitest ]; then log "FAILED: devDependencies were installed"; exit 1; fi
log "installed: $(du -sh node_modules | cut -f1) in node_modules"

port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
url="http://127.0.0.1:$port"
log "npm start on $url (NODE_ENV=production, embedded PGlite in a temporary DATA_DIR)"
env -u DATABASE_URL -u REDIS_URL NODE_ENV=production PORT="$port" HOST=127.0.0.1 DATA_DIR="$work/data" \
  JWT_SECRET="$(node -e 'console.log(require("crypto").randomBytes(48).toString("base64url"))')" \
  npm start >"$work/server.log" 2>&1 &
pid=$!

status=000
for _ in $(seq 120); do
  kill -0 "$pid" 2>/dev/null || break
  status=$(node -e 'fetch(process.argv[1]).then(r=>console.log(r.status),()=>console.log("000"))' "$url/readyz")
  [ "$status" = 200 ] && break
  sleep 1
done
if [ "$status" != 200 ]; then
  cat "$work/server.log"
  log "FAILED: GET /readyz answered $status"
  exit 1
fi
log "GET /readyz: 200"
if ! npm run try --silent -- "$url" >"$work/try.log" 2>&1; then
  cat "$work/try.log" "$work/server.log"
  log "FAILED: npm run try"
  exit 1
fi
log "npm run try: a message round-tripped over HTTP and the WebSocket"

kill -TERM "$pid"
code=0
wait "$pid" || code=$?
pid=
if [ "$code" != 0 ]; then
  cat "$work/server.log"
  log "FAILED: npm start exited with $code after SIGTERM"
  exit 1
fi
log "OK: the production install starts, serves and stops cleanly"
