import type { Redis } from "ioredis";
import type { Logger } from "@parley/common";
import type { Bus, RoomEvent, RoomEventHandler } from "../ports/bus.ts";
import { createRedis } from "./redis-client.ts";

interface Envelope {
  /** The publishing worker: a worker ignores its own echoes. */
  origin: string;
  event: RoomEvent;
}

/**
 * The Bus on Redis pub/sub: one connection publishes, another subscribes (a subscribed connection
 * can do nothing else); channels are `<prefix>:room:<roomId>`. At most once, like pub/sub itself.
 */
export class RedisBus implements Bus {
  private readonly pub: Redis;
  private readonly sub: Redis;
  private handler: RoomEventHandler = () => {};
  private resumeHandler: () => void = () => {};
  private connectedOnce = false;

  constructor(
    url: string,
    private readonly prefix: string,
    private readonly workerId: string,
    private readonly logger: Logger,
  ) {
    this.pub = createRedis(url, `pub-${workerId}`, logger);
    this.sub = createRedis(url, `sub-${workerId}`, logger);
    // ioredis resubscribes after a reconnect; anything published meanwhile is lost, so the hub resyncs.
    this.sub.on("ready", () => {
      if (this.connectedOnce) this.resumeHandler();
      this.connectedOnce = true;
    });
    this.sub.on("message", (channel: string, text: string) => this.receive(channel, text));
  }

  private channel(roomId: string) {
    return `${this.prefix}:room:${roomId}`;
  }

  private receive(channel: string, text: string) {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text) as Envelope;
    } catch {
      return this.logger.warn({ channel }, "unreadable bus message");
    }
    if (envelope.origin === this.workerId) return;
    this.handler(channel.slice(this.channel("").length), envelope.event);
  }

  async publish(roomId: string, event: RoomEvent) {
    await this.pub.publish(this.channel(roomId), JSON.stringify({ origin: this.workerId, event } satisfies Envelope));
  }
  async subscribe(roomId: string) {
    await this.sub.subscribe(this.channel(roomId));
  }
  async unsubscribe(roomId: string) {
    await this.sub.unsubscribe(this.channel(roomId));
  }
  onEvent(handler: RoomEventHandler) {
    this.handler = handler;
  }
  onResume(handler: () => void) {
    this.resumeHandler = handler;
  }
  async ping() {
    await Promise.all([this.pub.ping(), this.sub.ping()]);
  }
  async close() {
    this.sub.disconnect();
    await this.pub.quit().catch(() => this.pub.disconnect());
  }
}
