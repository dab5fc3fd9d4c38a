import { expect } from "vitest";
import type { Room, User } from "@parley/protocol";
import { ApiClient, type SocketClient } from "../../support/client.ts";
import { uniqueName } from "../../support/services.ts";

/** The username every layout makes a server admin (ADMIN_USERNAMES): registered once per server, then signed in. */
export const CONFORMANCE_ADMIN = "conformance_admin";

/** A registered user and their client. */
export interface Person {
  api: ApiClient;
  user: User;
}

export async function person(baseUrl: string, name = "u"): Promise<Person> {
  const api = new ApiClient(baseUrl);
  return { api, user: await api.register(uniqueName(name)) };
}

/** The server admin, on `baseUrl`. */
export async function admin(baseUrl: string): Promise<Person> {
  const api = new ApiClient(baseUrl);
  const credentials = { username: CONFORMANCE_ADMIN, password: "correct horse battery" };
  let res = await api.request("POST", "/api/auth/register", credentials);
  if (res.status === 409) res = await api.request("POST", "/api/auth/login", credentials);
  if (res.status !== 200 && res.status !== 201) throw new Error(`admin: ${res.status} ${res.text}`);
  api.token = res.json.token;
  return { api, user: res.json.user };
}

export async function createRoom(api: ApiClient, visibility: "public" | "private", name = uniqueName(visibility)): Promise<Room> {
  const res = await api.request("POST", "/api/rooms", { name, visibility });
  expect(res.status, res.text).toBe(201);
  return res.json.room;
}

export async function openDm(api: ApiClient, userIds: string[]): Promise<{ status: number; room: Room }> {
  const res = await api.request("POST", "/api/dms", { userIds });
  expect([200, 201], res.text).toContain(res.status);
  return { status: res.status, room: res.json.room };
}

export async function invite(api: ApiClient, roomId: string, userId: string) {
  const res = await api.request("POST", `/api/rooms/${roomId}/invites`, { userId });
  expect([200, 201], res.text).toContain(res.status);
  return res;
}

export async function post(api: ApiClient, roomId: string, body: string) {
  const res = await api.request("POST", `/api/rooms/${roomId}/messages`, { body });
  expect(res.status, res.text).toBe(201);
  return res.json.message as { id: string; seq: number };
}

/** A parley.v2 socket subscribed to its user's stream. */
export async function v2Socket(api: ApiClient, track: (s: SocketClient) => SocketClient, withUserStream = true): Promise<SocketClient> {
  const socket = track(await api.socket({ protocols: ["parley.v2"] }));
  if (withUserStream) {
    socket.send({ type: "subscribeUser" });
    await socket.next("userSubscribed");
  }
  return socket;
}

/** A word no other test writes, to search for. */
export const rare = () => `w${crypto.randomUUID().replace(/-/g, "").slice(0, 10)}`;
