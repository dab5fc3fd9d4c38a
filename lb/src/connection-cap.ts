import type { Socket } from "node:net";

/** How long a connection over its address's cap may take to send a request head before it is dropped. */
const OVER_CAP_GRACE_MS = 1000;

/** The answer to a request on a connection over the cap, in the JSON error shape. */
export const TOO_MANY_CONNECTIONS = {
  status: 429,
  headers: { "content-type": "application/json", "retry-after": "1", connection: "close" },
  body: JSON.stringify({ error: { code: "rate_limited", message: "too many connections from this address" } }),
};

/** The same answer as raw bytes, for a WebSocket upgrade (no ServerResponse there). */
export const TOO_MANY_CONNECTIONS_RAW = `HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nContent-Length: ${TOO_MANY_CONNECTIONS.body.length}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n${TOO_MANY_CONNECTIONS.body}`;

/**
 * Concurrent connections per client address (the TCP peer: the balancer reads no header before a
 * connection is counted). Each is counted on `connection` and released on `close`. One past the
 * cap stays open just long enough to be told why (`TOO_MANY_CONNECTIONS` to its first request),
 * then is dropped, so one address cannot hold the server's `maxConnections` for itself.
 * Trusted proxies are not capped: all their clients share their address.
 */
export class ConnectionCap {
  private readonly open = new Map<string, number>();
  private readonly over = new WeakSet<Socket>();
  private readonly exempt: Set<string>;

  constructor(
    private readonly perAddress: number,
    exempt: readonly string[] = [],
  ) {
    this.exempt = new Set(exempt.map(normalize));
  }

  /** Counts a new connection; one over the cap is marked, and destroyed unless it ends sooner. */
  admit(socket: Socket): void {
    const address = normalize(socket.remoteAddress ?? "unknown");
    if (this.exempt.has(address)) return;
    const count = (this.open.get(address) ?? 0) + 1;
    this.open.set(address, count);
    socket.once("close", () => {
      const left = this.open.get(address)! - 1;
      if (left > 0) this.open.set(address, left);
      else this.open.delete(address);
    });
    if (count <= this.perAddress) return;
    this.over.add(socket);
    const timer = setTimeout(() => socket.destroy(), OVER_CAP_GRACE_MS);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
  }

  /** True for a connection opened while its address was at the cap. */
  isOver(socket: Socket): boolean {
    return this.over.has(socket);
  }

  /** Open connections from an address. */
  count(address: string): number {
    return this.open.get(normalize(address)) ?? 0;
  }
}

const normalize = (address: string) => address.trim().replace(/^::ffff:/, "");
