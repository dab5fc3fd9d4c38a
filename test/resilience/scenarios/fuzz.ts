import fc from "fast-check";
import WebSocket from "ws";
import { CLIENT_FRAME_TYPES, ERROR_STATUS, LIMITS, clientFrameSchema, type ServerFrame } from "@parley/protocol";

/** Strings that break naive servers: NUL, lone surrogates, RTL marks, SQL, huge and unicode text. */
const nasty = fc.oneof(
  fc.string({ unit: "binary", maxLength: 100 }),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "\ud800",
    "\u202e",
    "' OR 1=1--",
    '"; drop table messages; --',
    "%",
    "\\",
    "null",
    "<script>alert(1)</script>",
    "😀".repeat(4001),
    "x".repeat(70_000),
  ),
  fc.string({ unit: "grapheme", maxLength: 40 }),
);
const anyJson = fc.oneof(
  nasty,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(nasty, { maxLength: 3 }),
  fc.dictionary(nasty, nasty, { maxKeys: 3 }),
);

/** WebSocket frames: raw text, random JSON, and frames of every type with fuzzed fields (some valid). */
export function frameArbitrary(roomId: string) {
  const fields = fc.record(
    {
      type: fc.oneof(fc.constantFrom(...CLIENT_FRAME_TYPES, "bogus", "", "MESSAGE"), anyJson),
      roomId: fc.oneof(fc.constant(roomId), fc.constant(roomId.toUpperCase()), fc.uuid(), anyJson),
      afterSeq: fc.oneof(fc.nat(), fc.integer(), anyJson),
      body: fc.oneof(fc.string({ minLength: 1, maxLength: 50 }), nasty, anyJson),
      clientId: fc.oneof(fc.uuid(), nasty, anyJson),
      text: fc.oneof(fc.string({ maxLength: 20 }), anyJson),
      requestId: fc.oneof(fc.uuid(), anyJson),
    },
    { requiredKeys: ["type"] },
  );
  return fc.oneof({ weight: 6, arbitrary: fields.map((f) => JSON.stringify(f)) }, { weight: 2, arbitrary: fc.json() }, { weight: 2, arbitrary: nasty });
}

/** HTTP requests: method, a real route, a fuzzed body and content type. */
export function requestArbitrary(roomId: string) {
  const routes = [
    "/api/auth/register",
    "/api/auth/login",
    "/api/rooms",
    `/api/rooms/${roomId}/messages`,
    `/api/rooms/${roomId}/join`,
    "/api/suggest",
    "/api/auth/refresh",
    "/api/me",
    `/api/rooms/${roomId}`,
    "/api/dms",
    "/api/users",
    `/api/rooms/${roomId}/invites`,
    `/api/rooms/${roomId}/bans`,
    `/api/rooms/${roomId}/members/${roomId}`,
    "/api/admin/rooms",
  ];
  const query = fc
    .tuple(fc.constantFrom("beforeSeq", "afterSeq", "limit"), nasty)
    .map(([k, v]) => `${k}=${v.isWellFormed() ? encodeURIComponent(v) : "%ED%A0%80"}`);
  return fc.record({
    method: fc.constantFrom("GET", "POST", "POST", "POST", "PUT", "PATCH", "DELETE"),
    path: fc.oneof(
      fc.constantFrom(...routes),
      fc.tuple(fc.constantFrom(...routes), fc.array(query, { maxLength: 3 })).map(([r, q]) => `${r}?${q.join("&")}`),
      fc.uuid().map((id) => `/api/rooms/${id}/messages`),
    ),
    contentType: fc.constantFrom("application/json", "application/json", "text/plain", "application/json; charset=utf-8", ""),
    body: fc.oneof(
      fc
        .record(
          {
            body: anyJson,
            clientId: fc.option(nasty),
            name: anyJson,
            topic: anyJson,
            username: anyJson,
            password: anyJson,
            roomId: anyJson,
            text: anyJson,
            userId: anyJson,
            userIds: anyJson,
            role: anyJson,
            visibility: anyJson,
          },
          { requiredKeys: [] },
        )
        .map((b) => JSON.stringify(b)),
      anyJson.map((v) => JSON.stringify(v) ?? "null"),
      nasty,
    ),
  });
}

export interface FuzzReport {
  cases: number;
  /** Frames the schema refuses that got no `error` frame (or, over 64 KiB, no 1009 close). */
  unanswered: number;
  /** 5xx answers, `internal` error frames, error bodies without a code, unexpected closes. */
  failures: string[];
  answeredByCode: Record<string, number>;
}

/** The frame as the server will parse it (ws sends lone surrogates as U+FFFD), if it is valid. */
const parseValid = (text: string) => {
  try {
    const result = clientFrameSchema.safeParse(JSON.parse(Buffer.from(text).toString()));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
};
const validFrame = (text: string) => parseValid(text) !== undefined;
const isPing = (text: string) => parseValid(text)?.type === "ping";

/**
 * Sends frames in batches, one connection per batch (under the 20 rejected frames that close a socket
 * with 1008), each frame followed by a `ping`. A frame the schema refuses is answered at once, so its
 * `error` must come before its `pong`; answers of valid frames (queued work) may come later and only
 * must not be `internal`. A final marker (a subscribe to a room id that cannot exist) flushes the queue.
 */
export async function fuzzFrames(open: () => Promise<WebSocket>, frames: string[], lanes = 6, perConnection = 19): Promise<FuzzReport> {
  const report: FuzzReport = { cases: 0, unanswered: 0, failures: [], answeredByCode: {} };
  let next = 0;
  const takeBatch = () => {
    const batch: string[] = [];
    while (next < frames.length && batch.length < perConnection) {
      const text = frames[next++]!;
      batch.push(text);
      if (Buffer.byteLength(text) > LIMITS.frameBytes) break; // closes the socket: last of its batch
    }
    return batch;
  };
  const lane = async () => {
    for (let batch = takeBatch(); batch.length > 0; batch = takeBatch()) await runBatch(await open(), batch, report);
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return report;
}

async function runBatch(ws: WebSocket, batch: string[], report: FuzzReport): Promise<void> {
  const segments: ServerFrame[][] = [[]];
  let closed: number | undefined;
  let finished = false;
  const done = new Promise<void>((resolve) => {
    ws.on("message", (d) => {
      const f = JSON.parse(d.toString()) as ServerFrame;
      if (f.type === "pong") segments.push([]);
      else if (f.type === "error" && f.roomId === "zz-marker") {
        finished = true;
        resolve();
      } else segments.at(-1)!.push(f);
    });
    ws.on("close", (code) => ((closed = code), resolve()));
    setTimeout(resolve, 15_000);
  });
  for (const text of batch) {
    ws.send(text);
    ws.send('{"type":"ping"}');
  }
  ws.send('{"type":"subscribe","roomId":"zz-marker"}');
  await done;
  ws.terminate();
  report.cases += batch.length;
  const last = batch.at(-1)!;
  const tooBig = Buffer.byteLength(last) > LIMITS.frameBytes;
  if (tooBig && closed !== 1009) report.failures.push(`a ${Buffer.byteLength(last)}-byte frame closed the socket with ${closed}, not 1009`);
  if (!tooBig && !finished) report.failures.push(`a batch ended without its marker (close ${closed}): ${JSON.stringify(batch.map((t) => t.slice(0, 80)))}`);
  for (const segment of segments) {
    for (const f of segment) {
      const key = f.type === "error" ? f.code : f.type;
      report.answeredByCode[key] = (report.answeredByCode[key] ?? 0) + 1;
      if (f.type === "error" && (f.code === "internal" || !(f.code in ERROR_STATUS) || typeof f.message !== "string")) {
        report.failures.push(`a frame of ${JSON.stringify(batch.map((t) => t.slice(0, 80)))} was answered ${JSON.stringify(f)}`);
      }
    }
  }
  // A fuzzed frame that is a valid ping adds a pong of its own: segment `start` is frame i's.
  let start = 0;
  for (const [i, text] of batch.entries()) {
    const segment = segments[start] ?? [];
    start += isPing(text) ? 2 : 1;
    if ((tooBig && i === batch.length - 1) || start >= segments.length) continue;
    if (!validFrame(text) && !segment.some((f) => f.type === "error" && f.code === "invalid_request")) {
      report.unanswered++;
      report.failures.push(`no error for ${JSON.stringify(text.slice(0, 200))}; got ${JSON.stringify(segment).slice(0, 200)}`);
    }
  }
}

/** Sends each request (spread over `baseUrls`); every answer must be below 500, and every 4xx a JSON error with a code. */
export async function fuzzRequests(
  baseUrls: string[],
  token: string,
  requests: Array<{ method: string; path: string; contentType: string; body: string }>,
  lanes = 16,
): Promise<FuzzReport> {
  const report: FuzzReport = { cases: 0, unanswered: 0, failures: [], answeredByCode: {} };
  let next = 0;
  const lane = async () => {
    while (next < requests.length) {
      const i = next++;
      const r = requests[i]!;
      const baseUrl = baseUrls[i % baseUrls.length]!;
      report.cases++;
      const hasBody = r.method !== "GET";
      try {
        const res = await fetch(baseUrl + r.path, {
          method: r.method,
          headers: { authorization: `Bearer ${token}`, ...(r.contentType && hasBody ? { "content-type": r.contentType } : {}) },
          body: hasBody ? r.body : undefined,
        });
        const text = await res.text();
        const key = String(res.status);
        report.answeredByCode[key] = (report.answeredByCode[key] ?? 0) + 1;
        if (res.status >= 500) report.failures.push(`${r.method} ${r.path.slice(0, 120)} → ${res.status} ${text.slice(0, 200)}`);
        else if (res.status >= 400) {
          let code: unknown;
          try {
            code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
          } catch {
            // not JSON: checked below
          }
          if (typeof code !== "string") {
            report.unanswered++;
            report.failures.push(`${r.method} ${r.path.slice(0, 120)} → ${res.status} without a JSON error: ${text.slice(0, 120)}`);
          }
        }
      } catch (error) {
        report.failures.push(`${r.method} ${r.path.slice(0, 120)}: ${(error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return report;
}
