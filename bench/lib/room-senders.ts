import type WebSocket from "ws";
import { ApiClient } from "../../test/support/client.ts";
import { uniqueName } from "../../test/support/services.ts";

/**
 * `senders` users on a worker, spread over `rooms` rooms (the first user creates them all, user i
 * is in room i % rooms), each with a socket subscribed to its room. The sockets' frames are left
 * to the bench: the client's frame log would grow without end.
 */
export async function roomSenders(url: string, options: { senders: number; rooms: number; tag: string; protocols?: string[] }) {
  const clients = Array.from({ length: options.senders }, () => new ApiClient(url));
  const users = await Promise.all(clients.map((c) => c.register(uniqueName(options.tag))));
  const rooms = await Promise.all(Array.from({ length: options.rooms }, () => clients[0]!.createRoom(uniqueName(options.tag))));
  const roomOf = (i: number) => rooms[i % options.rooms]!.id;
  await Promise.all(clients.slice(1).map((c, i) => c.join(roomOf(i + 1))));
  const sockets: Array<{ ws: WebSocket; roomId: string }> = [];
  await Promise.all(
    clients.map(async (c, i) => {
      const socket = await c.socket(options.protocols ? { protocols: options.protocols } : {});
      await socket.subscribe(roomOf(i));
      socket.ws.removeAllListeners("message");
      sockets[i] = { ws: socket.ws, roomId: roomOf(i) };
    }),
  );
  return { clients, users, rooms, roomOf, sockets };
}
