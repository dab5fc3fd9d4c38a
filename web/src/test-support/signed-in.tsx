import type { JSX } from "solid-js";
import { render, waitFor } from "@solidjs/testing-library";
import type { ServerFrame, User } from "@parley/protocol";
import { AppProvider, ChatProvider } from "../state/app-context.tsx";
import type { WebSocketLike } from "../transport/socket-client.ts";

/** Answers one request: a status and a JSON body. */
export type Route = (body: unknown) => { status: number; body: unknown };

/** A WebSocket that opens only when the test says so. */
class FakeSocket implements WebSocketLike {
  static created: FakeSocket[] = [];
  readyState = 0;
  readonly sent: string[] = [];
  onopen: WebSocketLike["onopen"] = null;
  onmessage: WebSocketLike["onmessage"] = null;
  onclose: WebSocketLike["onclose"] = null;
  onerror: WebSocketLike["onerror"] = null;
  constructor() {
    FakeSocket.created.push(this);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
}

export const me: User = { id: "u1", username: "alice" };

/**
 * Renders `ui` as the signed-in `me`, inside the real providers and chat session, against a
 * scripted server: `routes` maps "METHOD /path?query" to its answer (404 otherwise), and the
 * socket stays connecting until `connect()`, then `receive` plays the server's frames. `requests`
 * lists every request made, in order.
 */
export function renderSignedIn(ui: () => JSX.Element, routes: Record<string, Route>) {
  FakeSocket.created = [];
  const saved = new Map([["parley.session", JSON.stringify({ user: me, token: "t1", expiresAt: new Date(Date.now() + 3600_000).toISOString() })]]);
  const storage = {
    getItem: (k: string) => saved.get(k) ?? null,
    setItem: (k: string, v: string) => void saved.set(k, v),
    removeItem: (k: string) => void saved.delete(k),
  } as Storage;
  const requests: string[] = [];
  const fetch = (async (url: string, init?: RequestInit) => {
    const request = `${init?.method ?? "GET"} ${url}`;
    requests.push(request);
    const answer = routes[request]?.(init?.body ? JSON.parse(String(init.body)) : undefined) ?? {
      status: 404,
      body: { error: { code: "not_found", message: "no route" } },
    };
    return new Response(JSON.stringify(answer.body), { status: answer.status });
  }) as typeof globalThis.fetch;
  render(() => (
    <AppProvider storage={storage} fetch={fetch}>
      <ChatProvider WebSocket={FakeSocket} wsUrl="ws://parley.test/ws">
        {ui()}
      </ChatProvider>
    </AppProvider>
  ));
  /** Opens the session's socket (it is made once the session has checked its token). */
  const connect = () => waitFor(() => FakeSocket.created.at(-1)!.open());
  /** The server sends a frame on the open socket. */
  const receive = (frame: ServerFrame) => FakeSocket.created.at(-1)!.onmessage?.({ data: JSON.stringify(frame) });
  return { requests, connect, receive };
}
