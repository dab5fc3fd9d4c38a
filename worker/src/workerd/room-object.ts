import { DurableObject } from "cloudflare:workers";
import type { User } from "@parley/protocol";
import type { RoomEvent } from "../ports/bus.ts";
import { sortUsers } from "../ports/presence.ts";
import type { RoomRpc, RoomStatus } from "./room-api.ts";

/** What each gateway socket carries through hibernation. */
interface Attachment {
  gateway: string;
}

type PresenceRow = { user_id: string; username: string; gateway: string };

/** WebSocket.OPEN: a socket that takes sends. */
const OPEN = 1;

const gatewayOf = (ws: WorkerdWebSocket) => (ws.deserializeAttachment() as Attachment | null)?.gateway ?? "";

/**
 * One room's Durable Object (`idFromName(roomId)`; the bus's sessions channel has one too). Its
 * subscribers are gateways, one socket each, accepted with the Hibernation API: the runtime keeps
 * them open while the object is out of memory. It relays every event from one gateway to the
 * others, never back, and holds the room's presence (who is online through which gateway) in its
 * SQLite storage, so neither survives only in memory. A gateway whose socket is gone is dead to the
 * room: its users are dropped and the other gateways hear their `leave`.
 */
export class ParleyRoom extends DurableObject implements RoomRpc {
  private readonly sql: SqlStorage;
  private knownRoomId?: string;
  /** Which in-memory instance answers: a new one after the object was evicted (hibernated) and woken. */
  private readonly instance = crypto.randomUUID().slice(0, 8);

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec("create table if not exists presence (user_id text not null, gateway text not null, username text not null, primary key (user_id, gateway))");
    this.sql.exec("create table if not exists revoked (jti text primary key, exp integer not null)");
    this.sql.exec("create table if not exists user_cutoff (user_id text primary key, before real not null, exp integer not null)");
    this.sql.exec("create table if not exists setting (name text primary key, value text not null)");
  }

  /** A gateway's socket: `GET /connect?room=…&gateway=…` with `Upgrade: websocket`. */
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const gateway = url.searchParams.get("gateway");
    const roomId = url.searchParams.get("room");
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket" || !gateway || !roomId) {
      return new Response("a gateway's WebSocket upgrade expected", { status: 426 });
    }
    this.remember(roomId);
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1], [gateway]);
    pair[1].serializeAttachment({ gateway } satisfies Attachment);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  webSocketMessage(ws: WorkerdWebSocket, message: string | ArrayBuffer): void {
    if (typeof message === "string") this.relay(gatewayOf(ws), message);
  }

  webSocketClose(ws: WorkerdWebSocket, code: number, reason: string): void {
    // Before compatibility date 2026-04-07 the runtime does not answer a close frame by itself.
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // already closed by the runtime
    }
    this.dropDeadGateways(ws);
  }

  webSocketError(ws: WorkerdWebSocket): void {
    this.dropDeadGateways(ws);
  }

  add(roomId: string, gateway: string, user: User): boolean {
    this.remember(roomId);
    this.dropDeadGateways();
    const fresh = this.connectionsOf(user.id) === 0;
    this.sql.exec("insert or replace into presence (user_id, gateway, username) values (?, ?, ?)", user.id, gateway, user.username);
    return fresh;
  }

  remove(roomId: string, gateway: string, user: User): boolean {
    this.remember(roomId);
    const removed = this.sql.exec("delete from presence where user_id = ? and gateway = ?", user.id, gateway).rowsWritten > 0;
    return removed && this.connectionsOf(user.id) === 0;
  }

  online(): User[] {
    this.dropDeadGateways();
    return this.onlineUsers();
  }

  onlineCount(): number {
    return this.online().length;
  }

  restore(roomId: string, gateway: string, users: User[]): void {
    for (const user of users) {
      if (this.add(roomId, gateway, user)) this.announce(gateway, user, "join");
    }
  }

  publish(gateway: string, event: RoomEvent): void {
    this.relay(gateway, JSON.stringify(event));
  }

  status(): RoomStatus {
    return { instance: this.instance, sockets: this.ctx.getWebSockets().length, gateways: [...this.liveGateways()], online: this.onlineCount() };
  }

  reset(): void {
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.close(1012, "room restarting");
      } catch {
        // already closed
      }
    }
  }

  ping(): boolean {
    return true;
  }

  revoke(jti: string, exp: number): void {
    this.sql.exec("delete from revoked where exp < ?", Math.floor(Date.now() / 1000));
    this.sql.exec("insert or replace into revoked (jti, exp) values (?, ?)", jti, exp);
  }

  revocations(): Array<{ jti: string; exp: number }> {
    return this.sql.exec<{ jti: string; exp: number }>("select jti, exp from revoked where exp >= ?", Math.floor(Date.now() / 1000)).toArray();
  }

  revokeUser(userId: string, before: number, exp: number): void {
    this.sql.exec("delete from user_cutoff where exp < ?", Math.floor(Date.now() / 1000));
    this.sql.exec(
      "insert into user_cutoff (user_id, before, exp) values (?, ?, ?) on conflict (user_id) do update set before = max(before, excluded.before), exp = max(exp, excluded.exp)",
      userId,
      before,
      exp,
    );
  }

  userCutoffs(): Array<{ userId: string; before: number; exp: number }> {
    return this.sql
      .exec<{ userId: string; before: number; exp: number }>(
        "select user_id as userId, before, exp from user_cutoff where exp >= ?",
        Math.floor(Date.now() / 1000),
      )
      .toArray();
  }

  devSecret(): string {
    const [row] = this.sql.exec<{ value: string }>("select value from setting where name = 'dev_jwt_secret'").toArray();
    if (row) return row.value;
    const secret = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(48))));
    this.sql.exec("insert into setting (name, value) values ('dev_jwt_secret', ?)", secret);
    return secret;
  }

  /** Sends a gateway's event to every other gateway with an open socket. */
  private relay(from: string, text: string): void {
    for (const ws of this.ctx.getWebSockets()) {
      if (ws.readyState !== OPEN || gatewayOf(ws) === from) continue;
      try {
        ws.send(text);
      } catch {
        // a dead gateway socket: its close handler drops it
      }
    }
  }

  private liveGateways(closing?: WebSocket): Set<string> {
    const live = new Set<string>();
    for (const ws of this.ctx.getWebSockets()) if (ws !== closing && ws.readyState === OPEN) live.add(gatewayOf(ws));
    return live;
  }

  /** Presence rows of gateways with no open socket here belong to dead gateways: drop them, announce who left. */
  private dropDeadGateways(closing?: WebSocket): void {
    const live = this.liveGateways(closing);
    const rows = this.sql.exec<PresenceRow>("select user_id, username, gateway from presence").toArray();
    const dead = rows.filter((r) => !live.has(r.gateway));
    if (dead.length === 0) return;
    for (const gateway of new Set(dead.map((r) => r.gateway))) {
      this.sql.exec("delete from presence where gateway = ?", gateway);
      console.log(JSON.stringify({ level: 30, time: Date.now(), room: this.roomId(), gateway, msg: "gateway gone: its users dropped" }));
    }
    const stillOnline = new Set(rows.filter((r) => live.has(r.gateway)).map((r) => r.user_id));
    const gone = new Map(dead.filter((r) => !stillOnline.has(r.user_id)).map((r) => [r.user_id, { id: r.user_id, username: r.username }]));
    for (const user of gone.values()) this.announce("", user, "leave");
  }

  /** A presence event the room itself originates, sent to every gateway but `from`. */
  private announce(from: string, user: User, event: "join" | "leave"): void {
    const roomId = this.roomId();
    if (!roomId) return;
    // Gateways coalesce these and read the list or count from the room when they flush (RoomObjectPresence).
    const presence: RoomEvent = { kind: "presence", roomId, event, user };
    this.relay(from, JSON.stringify(presence));
  }

  private onlineUsers(): User[] {
    const rows = this.sql.exec<{ user_id: string; username: string }>("select user_id, min(username) as username from presence group by user_id").toArray();
    return sortUsers(rows.map((r) => ({ id: r.user_id, username: r.username })));
  }

  private connectionsOf(userId: string): number {
    return this.sql.exec<{ n: number }>("select count(*) as n from presence where user_id = ?", userId).one().n;
  }

  /** Keeps the room's id (the object only knows its hashed id) for the presence events it sends itself. */
  private remember(roomId: string): void {
    if (this.roomId() === roomId) return;
    this.sql.exec("insert or replace into setting (name, value) values ('room_id', ?)", roomId);
    this.knownRoomId = roomId;
  }

  private roomId(): string | undefined {
    return (this.knownRoomId ??= this.sql.exec<{ value: string }>("select value from setting where name = 'room_id'").toArray()[0]?.value);
  }
}
