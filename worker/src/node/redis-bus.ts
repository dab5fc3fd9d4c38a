import type { Cluster } from "ioredis";
import type { Logger } from "@parley/common";
import { isCluster, type RedisConnection } from "@parley/common/redis";
import type { Bus, RoomEvent, RoomEventHandler } from "../ports/bus.ts";

interface Envelope {
  /** The publishing worker: a worker ignores its own echoes. */
  origin: string;
  event: RoomEvent;
}

/** A bus's two connections: a subscribed connection can do nothing else. */
/** A room's bus channel, hash-tagged by room so that on a Cluster it lives on the shard owning the room's slot. */
export const busChannel = (prefix: string, roomId: string) => `${prefix}:{r:${roomId}}:bus`;

export interface BusConnections {
  pub: RedisConnection;
  sub: RedisConnection;
}

/**
 * The Bus on Redis pub/sub, on connections it is given (and closes). Channels are
 * `<prefix>:{r:<roomId>}:bus`, hash-tagged by room: on a Cluster the bus uses sharded pub/sub
 * (SPUBLISH/SSUBSCRIBE), so a room's events go to the one shard owning the channel's slot and to the
 * workers subscribed there, instead of being broadcast to every node as PUBLISH is. On standalone
 * Redis it uses PUBLISH/SUBSCRIBE. At most once, like pub/sub itself.
 */
export class RedisBus implements Bus {
  private readonly pub: RedisConnection;
  private readonly sub: RedisConnection;
  private readonly sharded: boolean;
  private handler: RoomEventHandler = () => {};
  private resumeHandler: () => void = () => {};
  private connectedOnce = false;
  private lostSubscriber = false;

  constructor(
    { pub, sub }: BusConnections,
    private readonly prefix: string,
    private readonly workerId: string,
    private readonly logger: Logger,
  ) {
    this.pub = pub;
    this.sub = sub;
    this.sharded = isCluster(sub);
    // ioredis resubscribes after a reconnect; anything published meanwhile is lost, so the hub resyncs.
    if (this.sharded) {
      // One subscriber connection per master: "-subscriber" when ioredis drops one (its node lost, a
      // slot moved), "subscribersReady" once the rebuilt set is subscribed again.
      this.sub.on("-subscriber", () => (this.lostSubscriber = true));
      this.sub.on("subscribersReady", () => {
        if (this.lostSubscriber) this.resumeHandler();
        this.lostSubscriber = false;
      });
    } else {
      this.sub.on("ready", () => {
        if (this.connectedOnce) this.resumeHandler();
        this.connectedOnce = true;
      });
    }
    this.sub.on(this.sharded ? "smessage" : "message", (channel: string, text: string) => this.receive(channel, text));
  }

  private channel(roomId: string) {
    return busChannel(this.prefix, roomId);
  }

  private receive(channel: string, text: string) {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text) as Envelope;
    } catch {
      return this.logger.warn({ channel }, "unreadable bus message");
    }
    if (envelope.origin === this.workerId) return;
    this.handler(channel.slice(this.prefix.length + 4, -5), envelope.event); // `<prefix>:{r:` … `}:bus`
  }

  async publish(roomId: string, event: RoomEvent) {
    const text = JSON.stringify({ origin: this.workerId, event } satisfies Envelope);
    if (this.sharded) await (this.pub as Cluster).spublish(this.channel(roomId), text);
    else await this.pub.publish(this.channel(roomId), text);
  }
  async subscribe(roomId: string) {
    if (this.sharded) await (this.sub as Cluster).ssubscribe(this.channel(roomId));
    else await this.sub.subscribe(this.channel(roomId));
  }
  async unsubscribe(roomId: string) {
    if (this.sharded) await (this.sub as Cluster).sunsubscribe(this.channel(roomId));
    else await this.sub.unsubscribe(this.channel(roomId));
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
