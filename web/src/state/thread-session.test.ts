import { describe, expect, it, vi } from "vitest";
import type { Message } from "@parley/protocol";
import type { ThreadPage } from "../transport/http-client.ts";
import { createThreadSession } from "./thread-session.ts";

const alice = { id: "u1", username: "alice" };
const at = (seq: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, seq)).toISOString();
const parent: Message = { id: "p", roomId: "r1", seq: 1, user: alice, body: "Launch plan?", clientId: null, createdAt: at(1) };
const reply = (seq: number, extra: Partial<Message> = {}): Message => ({
  id: `m${seq}`,
  roomId: "r1",
  seq,
  user: alice,
  body: `reply ${seq}`,
  clientId: null,
  createdAt: at(seq),
  parentId: "p",
  ...extra,
});
const page = (...messages: Message[]): ThreadPage => ({
  parent: { ...parent, replyCount: messages.length, lastReplyAt: messages.at(-1)?.createdAt },
  messages,
  hasMore: false,
});

/** A thread session over scripted pages, a recording socket and a subscription that starts when told. */
function setup(pages: ThreadPage[]) {
  const thread = vi.fn(async (_roomId: string, _messageId: string, _page?: { beforeSeq?: number }) => pages.shift()!);
  const sendMessage = vi.fn();
  let subscribed = () => {};
  const started = new Promise<void>((resolve) => (subscribed = resolve));
  const session = createThreadSession({ http: { thread }, socket: { sendMessage }, subscription: () => started, me: () => alice.id });
  return { session, thread, sendMessage, subscribed };
}
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
const bodies = (messages: readonly Message[] | undefined) => messages?.map((m) => m.body);

describe("the thread session", () => {
  it("reads the thread once the room's subscription has started", async () => {
    const { session, thread, subscribed } = setup([page(reply(2))]);
    const opening = session.open("r1", "p", parent);
    await flush();
    expect(thread).not.toHaveBeenCalled();
    expect(session.current()?.parent()?.body).toBe("Launch plan?");
    subscribed();
    await opening;
    expect(thread).toHaveBeenCalledWith("r1", "p", { limit: 50 });
    expect(bodies(session.current()?.replies())).toEqual(["reply 2"]);
  });

  it("sends a reply with its thread and files, marks it failed when refused, and retries it with the same clientId", async () => {
    const { session, sendMessage, subscribed } = setup([page()]);
    subscribed();
    await session.open("r1", "p", parent);
    const file = { id: "up1", name: "plan.pdf", size: 9, contentType: "application/pdf" };
    session.send("on it", true, [file]);
    const [roomId, body, clientId, thread, attachments] = sendMessage.mock.calls[0]!;
    expect([roomId, body, thread, attachments]).toEqual(["r1", "on it", { parentId: "p", alsoToRoom: true }, ["up1"]]);
    expect(session.current()?.pending()[0]?.attachments).toEqual([file]);
    session.receive({ type: "error", code: "rate_limited", message: "slow down", clientId, roomId: "r1", retryAfter: 3 });
    expect(session.current()?.pending()[0]).toMatchObject({ status: "failed", error: "Sending too fast. Wait 3 seconds, then retry." });
    session.retry(clientId);
    expect(sendMessage).toHaveBeenLastCalledWith("r1", "on it", clientId, { parentId: "p", alsoToRoom: true }, ["up1"]);
    session.receive({ type: "ack", clientId, message: reply(2, { body: "on it", clientId, alsoToRoom: true }) });
    expect(session.current()?.pending()).toEqual([]);
    expect(bodies(session.current()?.replies())).toEqual(["on it"]);
  });

  it("reads the newest page again when the room's subscription resumes, skipping the replay it covers", async () => {
    const { session, thread, subscribed } = setup([page(reply(2)), page(reply(2), reply(3))]);
    subscribed();
    await session.open("r1", "p", parent);
    session.receive({ type: "subscribed", roomId: "r1", online: [], lastSeq: 3, limited: true });
    // The replay of what the new page already has.
    session.receive({ type: "message", message: reply(3) });
    await flush();
    expect(thread).toHaveBeenCalledTimes(2);
    expect(bodies(session.current()?.replies())).toEqual(["reply 2", "reply 3"]);
    expect(session.current()?.parent()?.replyCount).toBe(2);
    // Another room's subscription says nothing about this thread.
    session.receive({ type: "subscribed", roomId: "r2", online: [], lastSeq: 9, limited: false });
    expect(thread).toHaveBeenCalledTimes(2);
  });

  it("pages older replies before the first one held", async () => {
    const { session, thread, subscribed } = setup([{ ...page(reply(5)), hasMore: true }, page(reply(3), reply(4))]);
    subscribed();
    await session.open("r1", "p", parent);
    await session.loadOlder();
    expect(thread).toHaveBeenLastCalledWith("r1", "p", { beforeSeq: 5, limit: 50 });
    expect(bodies(session.current()?.replies())).toEqual(["reply 3", "reply 4", "reply 5"]);
  });
});
