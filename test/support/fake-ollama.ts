import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** How the fake answers one `/api/generate`. */
export interface FakeReply {
  /** Pieces of the completion, one NDJSON line each (cut at the request's `stop` strings and `num_predict`). */
  tokens?: string[];
  /** Wait before sending the headers (a model loading). */
  delayMs?: number;
  /** Wait before each piece (a slow model). */
  tokenDelayMs?: number;
  /** Answer this HTTP status with Ollama's `{"error": …}` body. */
  status?: number;
  error?: string;
  /** Send this instead of NDJSON, with status 200 and `contentType` (default: NDJSON's). */
  garbage?: string;
  contentType?: string;
  /** Destroy the connection after this many pieces. */
  dropAfter?: number;
  /** Never finish: no final `done: true` line. */
  hang?: boolean;
}

/** One `/api/generate` the fake was asked, with what became of it. */
export interface GenerateCall {
  body: {
    model: string;
    prompt: string;
    raw?: boolean;
    stream?: boolean;
    keep_alive?: string | number;
    options?: { stop?: string[]; num_predict?: number; temperature?: number };
  };
  /** performance.now() when the request arrived and when the first piece went out. */
  receivedAt: number;
  firstPieceAt?: number;
  /** The client closed the connection before the answer ended. */
  cancelled: boolean;
  /** Resolves when the connection is done with, either way. */
  closed: Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A loopback server speaking Ollama's wire protocol (`/api/generate` streaming NDJSON, `/api/tags`,
 * `/api/version`, JSON errors such as 404 for a model it does not have). It records every request.
 */
export class FakeOllama {
  readonly calls: GenerateCall[] = [];
  tagsCalls = 0;
  /** Models it has, as `/api/tags` lists them; generating with another one is a 404. */
  models = ["llama3.1:8b"];
  reply: (call: GenerateCall) => FakeReply = () => ({ tokens: [" there", " friend"] });

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeOllama> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const fake = new FakeOllama(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on("request", (req, res) => void fake.handle(req, res).catch(() => res.destroy()));
    return fake;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const json = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(body));
    if (req.method === "GET" && req.url === "/") return void res.writeHead(200, { "content-type": "text/plain" }).end("Ollama is running");
    if (req.method === "GET" && req.url === "/api/version") return json(200, { version: "0.12.3" });
    if (req.method === "GET" && req.url === "/api/tags") {
      this.tagsCalls++;
      const details = { parent_model: "", format: "gguf", family: "llama", families: ["llama"], parameter_size: "8.0B", quantization_level: "Q4_K_M" };
      return json(200, {
        models: this.models.map((name) => ({ name, model: name, modified_at: "2025-01-01T00:00:00Z", size: 4_920_753_328, digest: "a".repeat(64), details })),
      });
    }
    if (req.method !== "POST" || req.url !== "/api/generate") return json(404, { error: "404 page not found" });
    let text = "";
    for await (const chunk of req) text += chunk;
    let closed!: () => void;
    const call: GenerateCall = { body: JSON.parse(text), receivedAt: performance.now(), cancelled: false, closed: new Promise((r) => (closed = r)) };
    this.calls.push(call);
    res.on("close", () => {
      if (!res.writableFinished) call.cancelled = true;
      closed();
    });
    const reply = this.reply(call);
    if (reply.delayMs) await sleep(reply.delayMs);
    if (res.destroyed) return;
    if (!this.models.includes(call.body.model)) return json(404, { error: `model "${call.body.model}" not found, try pulling it first` });
    if (reply.status) return json(reply.status, { error: reply.error ?? "server busy, please try again.  maximum pending requests exceeded" });
    if (reply.garbage !== undefined) return void res.writeHead(200, { "content-type": reply.contentType ?? "application/x-ndjson" }).end(reply.garbage);
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    const line = (fields: object) => res.write(JSON.stringify({ model: call.body.model, created_at: new Date().toISOString(), ...fields }) + "\n");
    const pieces = cut(reply.tokens ?? [], call.body.options?.stop ?? [], call.body.options?.num_predict ?? Infinity);
    for (const [i, piece] of pieces.entries()) {
      if (reply.tokenDelayMs) await sleep(reply.tokenDelayMs);
      if (res.destroyed) return;
      if (reply.dropAfter === i) return void res.destroy();
      line({ response: piece, done: false });
      call.firstPieceAt ??= performance.now();
    }
    if (reply.hang) return;
    line({
      response: "",
      done: true,
      done_reason: "stop",
      context: [1, 2, 3],
      total_duration: 1_000_000,
      load_duration: 1000,
      prompt_eval_count: 42,
      eval_count: pieces.length,
    });
    res.end();
  }
}

/** The pieces a model would send: up to `limit` of them, ending before the first stop string. */
function cut(tokens: string[], stops: string[], limit: number): string[] {
  const out: string[] = [];
  let text = "";
  for (const token of tokens.slice(0, limit)) {
    const at = Math.min(...stops.map((s) => (text + token).indexOf(s)).filter((i) => i >= 0));
    if (Number.isFinite(at)) {
      if (at > text.length) out.push((text + token).slice(text.length, at));
      break;
    }
    out.push(token);
    text += token;
  }
  return out;
}
