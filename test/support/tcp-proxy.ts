import { createConnection, createServer, type Server, type Socket } from "node:net";

/**
 * A loopback TCP proxy in front of a real service (PostgreSQL, Redis) that a test can cut and
 * restore, to stage an outage without stopping the machine's shared server.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private cut?: RegExp;
  /** Answers cut by `resetNextAnswer`. */
  cuts = 0;

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const probe = createServer();
    const port = await new Promise<number>((resolve) => probe.listen(0, "127.0.0.1", () => resolve((probe.address() as { port: number }).port)));
    await new Promise((r) => probe.close(r));
    const proxy = new TcpProxy(port, target);
    await proxy.up();
    return proxy;
  }

  /** Accepts connections again. */
  up(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = createConnection(this.target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => {});
      }
      client.pipe(upstream);
      upstream.on("data", (chunk: Buffer) => {
        if (this.cut?.test(chunk.toString("latin1"))) {
          this.cut = undefined;
          this.cuts++;
          client.resetAndDestroy();
          return void upstream.destroy();
        }
        if (!client.write(chunk)) upstream.pause();
      });
      client.on("drain", () => upstream.resume());
      upstream.on("end", () => client.end());
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    return new Promise((resolve) => this.server!.listen(this.port, "127.0.0.1", () => resolve()));
  }

  /**
   * The next answer from the target that matches is never delivered: the client's connection is
   * reset instead, as if the server died after answering (it did the work; the client cannot know).
   */
  resetNextAnswer(match: RegExp): void {
    this.cut = match;
  }

  /** Drops every connection and refuses new ones, as a crashed server would. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise((r) => server.close(r));
  }

  /** Points a URL of the target at the proxy instead. */
  url(serviceUrl: string): string {
    const url = new URL(serviceUrl);
    url.hostname = "127.0.0.1";
    url.port = String(this.port);
    return url.toString();
  }
}
