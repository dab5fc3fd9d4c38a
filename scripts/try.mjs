/**
 * `npm run try [-- <url>]`: a guided tour of a running Parley server, in plain Node (no packages).
 * Registers a fresh user, creates a room, opens the WebSocket, subscribes, sends one message over
 * HTTP and one over the WebSocket, and waits until both come back. The URL is argv[2], else
 * PARLEY_URL, else http://127.0.0.1:3000. Exits 0 when everything round-tripped, 1 otherwise.
 */
import { randomBytes } from "node:crypto";

if (typeof WebSocket === "undefined") {
  console.error(
    `npm run try needs Node 22 or later (for its built-in WebSocket); this is Node ${process.versions.node}. Run it as \`npm run try\`, which uses the project's Node 24.`,
  );
  process.exit(1);
}

const base = new URL(process.argv[2] ?? process.env.PARLEY_URL ?? "http://127.0.0.1:3000");
const origin = base.origin;
const WAIT_MS = 10_000;
const suffix = randomBytes(4).toString("hex");

/** A failure already explained in words: printed as it is, then exit 1. */
class Stop extends Error {}

const say = (line) => console.log(line);
const shellQuote = (text) => `'${text.replaceAll("'", "'\\''")}'`;

/** One JSON request; prints its curl equivalent; an error answer or no answer stops the tour. */
async function call(method, path, { token, body } = {}) {
  const headers = { ...(body ? { "content-type": "application/json" } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const curl = [`curl -s -X ${method} ${origin}${path}`];
  if (body) curl.push("-H 'content-type: application/json'");
  if (token) curl.push('-H "authorization: Bearer $TOKEN"');
  if (body) curl.push(`-d ${shellQuote(JSON.stringify(body))}`);
  say(`    $ ${curl.join(" ")}`);
  let response;
  try {
    response = await fetch(`${origin}${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined, signal: AbortSignal.timeout(WAIT_MS) });
  } catch (error) {
    const cause = error.cause?.code ?? error.cause?.message ?? error.message;
    throw new Stop(`cannot reach ${origin} (${cause}). Is Parley running? Start it with \`npm start\`, or pass its URL: npm run try -- http://host:port`);
  }
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Stop(`${method} ${path} answered ${response.status} with something that is not JSON: ${text.slice(0, 200)}`);
  }
  if (!response.ok) throw new Stop(`${method} ${path} answered ${response.status}: ${json.error?.code ?? "?"}: ${json.error?.message ?? text}`);
  return json;
}

/** Opens the WebSocket and returns a function that waits for the next frame matching a test. */
async function connect(token) {
  const url = `${origin.replace(/^http/, "ws")}/ws`;
  const ws = new WebSocket(url, ["parley.v1", `bearer.${token}`]);
  const frames = [];
  const waiters = [];
  ws.addEventListener("message", (event) => {
    const frame = JSON.parse(String(event.data));
    if (frame.type === "error") return waiters.splice(0).forEach((w) => w.reject(new Stop(`the server sent an error frame: ${frame.code}: ${frame.message}`)));
    frames.push(frame);
    for (const w of [...waiters]) w.check();
  });
  const closed = new Promise((resolve) => ws.addEventListener("close", (event) => resolve(event)));
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve, { once: true });
    ws.addEventListener("error", () => reject(new Stop(`the WebSocket ${url} did not open (wrong token, or no WebSocket support at this address)`)), {
      once: true,
    });
  });
  closed.then((event) => waiters.splice(0).forEach((w) => w.reject(new Stop(`the WebSocket closed: ${event.code} ${event.reason}`))));
  const next = (what, test) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Stop(`no ${what} within ${WAIT_MS / 1000} s`)), WAIT_MS);
      const waiter = {
        reject: (error) => (clearTimeout(timer), reject(error)),
        check() {
          const index = frames.findIndex(test);
          if (index < 0) return;
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(waiter), 1);
          resolve(frames.splice(index, 1)[0]);
        },
      };
      waiters.push(waiter);
      waiter.check();
    });
  return { ws, protocol: ws.protocol, next, send: (frame) => ws.send(JSON.stringify(frame)), close: () => (ws.close(1000, "done"), closed) };
}

async function tour() {
  say(`Trying Parley at ${origin}\n`);
  const username = `try_${suffix}`;
  say(`1. Register the user ${username}`);
  const { user, token } = await call("POST", "/api/auth/register", { body: { username, password: `try-it-${suffix}` } });
  say(`   registered ${user.username} (password try-it-${suffix}, id ${user.id}); the answer's "token" is TOKEN below\n`);

  say(`2. Create the room try-room-${suffix}`);
  const { room } = await call("POST", "/api/rooms", { token, body: { name: `try-room-${suffix}`, topic: "made by npm run try" } });
  say(`   created room ${room.id}; its creator is a member\n`);

  say(`3. Open the WebSocket ${origin.replace(/^http/, "ws")}/ws with the subprotocols ["parley.v1", "bearer.$TOKEN"]`);
  say(`    $ websocat -H "Authorization: Bearer $TOKEN" ${origin.replace(/^http/, "ws")}/ws`);
  const socket = await connect(token);
  const hello = await socket.next("hello", (f) => f.type === "hello");
  say(`   open (subprotocol ${socket.protocol}); hello from worker ${hello.worker} as ${hello.user.username}\n`);

  say(`4. Subscribe to the room`);
  say(`    > ${JSON.stringify({ type: "subscribe", roomId: room.id, afterSeq: 0 })}`);
  socket.send({ type: "subscribe", roomId: room.id, afterSeq: 0 });
  const subscribed = await socket.next("subscribed", (f) => f.type === "subscribed" && f.roomId === room.id);
  say(`   subscribed; online now: ${subscribed.online.map((u) => u.username).join(", ") || "nobody"}\n`);

  say(`5. Send a message over HTTP`);
  const sent = await call("POST", `/api/rooms/${room.id}/messages`, { token, body: { body: "hello over HTTP", clientId: `try-http-${suffix}` } });
  say(`   stored as seq ${sent.message.seq}`);
  const httpEcho = await socket.next("broadcast of the HTTP message", (f) => f.type === "message" && f.message.id === sent.message.id);
  say(`   and the WebSocket received it: "${httpEcho.message.body}" (seq ${httpEcho.message.seq})\n`);

  say(`6. Send a message over the WebSocket`);
  const frame = { type: "message", roomId: room.id, body: "hello over WebSocket", clientId: `try-ws-${suffix}` };
  say(`    > ${JSON.stringify(frame)}`);
  socket.send(frame);
  const ack = await socket.next("ack", (f) => f.type === "ack" && f.clientId === frame.clientId);
  say(`   ack: stored as seq ${ack.message.seq}`);
  const wsEcho = await socket.next("broadcast of the WebSocket message", (f) => f.type === "message" && f.message.id === ack.message.id);
  say(`   and the broadcast came back: "${wsEcho.message.body}" (seq ${wsEcho.message.seq})\n`);

  await socket.close();
  say(`Everything round-tripped. Open ${origin} in a browser and sign in as ${username} to see the room.`);
}

try {
  await tour();
  process.exit(0);
} catch (error) {
  console.error(`\nnpm run try failed: ${error instanceof Stop ? error.message : error.stack}`);
  process.exit(1);
}
