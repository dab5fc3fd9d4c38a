/**
 * Presence traffic of a join wave: N users (200 by default) each open a WebSocket and subscribe to
 * one room at once, and the bytes the server sends all of them are counted until everyone has heard
 * of everyone. One worker on the embedded default, loopback only, bounded by a deadline.
 *
 *   node --import tsx bench/presence-wave.ts [--users 200] [--protocol v1|v2|both]
 */
import { parseArgs } from "node:util";
import WebSocket from "ws";
import type { ServerFrame } from "@parley/protocol";
import { ApiClient } from "../test/support/client.ts";
import { startWorkerProcess } from "../test/support/worker-process.ts";

const { values } = parseArgs({ options: { users: { type: "string", default: "200" }, protocol: { type: "string", default: "both" } } });
const N = Number(values.users);
const versions = values.protocol === "both" ? (["v1", "v2"] as const) : ([values.protocol] as Array<"v1" | "v2">);
const DEADLINE_MS = 180_000;

/** One wave client: its bytes, and how many it last heard were online. */
interface Client {
  ws: WebSocket;
  bytes: number;
  frames: number;
  presenceFrames: number;
  online: number;
}

function connect(url: string, token: string, version: "v1" | "v2", roomId: string): Client {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/ws`, [`parley.${version}`, `bearer.${token}`], { perMessageDeflate: false });
  const client: Client = { ws, bytes: 0, frames: 0, presenceFrames: 0, online: 0 };
  ws.on("message", (data: Buffer) => {
    client.bytes += data.length;
    client.frames++;
    const frame = JSON.parse(data.toString()) as ServerFrame;
    if (frame.type === "hello") ws.send(JSON.stringify({ type: "subscribe", roomId }));
    if (frame.type === "subscribed" || frame.type === "presence") client.online = frame.onlineCount ?? frame.online?.length ?? client.online;
    if (frame.type === "presence") client.presenceFrames++;
  });
  ws.on("error", (error) => console.error(`socket error: ${error.message}`));
  return client;
}

async function until(check: () => boolean, what: string) {
  const deadline = Date.now() + DEADLINE_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const worker = await startWorkerProcess({ REGISTER_RATE: "100000/60s", WS_PER_ADDRESS: "1000000", LOG_LEVEL: "warn" });
try {
  const owner = new ApiClient(worker.url);
  await owner.register(`wave-host-${Date.now() % 1e6}`);
  const users: ApiClient[] = [];
  for (let start = 0; start < N; start += 10) {
    const batch = Array.from({ length: Math.min(10, N - start) }, () => new ApiClient(worker.url));
    await Promise.all(batch.map((api, i) => api.register(`wave${start + i}-${Date.now() % 1e6}`)));
    users.push(...batch);
  }
  for (const version of versions) {
    const room = await owner.createRoom(`Wave ${version} ${Date.now()}`);
    for (const api of users) await api.join(room.id);
    const started = Date.now();
    const clients = users.map((api) => connect(worker.url, api.token!, version, room.id));
    await until(() => clients.every((c) => c.online === N), "every client to hear of all");
    await new Promise((r) => setTimeout(r, 1000)); // anything still on its way
    const bytes = clients.reduce((sum, c) => sum + c.bytes, 0);
    const maxPresence = Math.max(...clients.map((c) => c.presenceFrames));
    console.log(
      JSON.stringify({
        protocol: `parley.${version}`,
        users: N,
        bytes,
        megabytes: +(bytes / 1e6).toFixed(2),
        frames: clients.reduce((s, c) => s + c.frames, 0),
        maxPresenceFramesPerClient: maxPresence,
        ms: Date.now() - started,
      }),
    );
    for (const c of clients) c.ws.close();
    await new Promise((r) => setTimeout(r, 1000));
  }
} finally {
  await worker.stop();
}
