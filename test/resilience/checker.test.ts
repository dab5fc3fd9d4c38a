import { describe, expect, it } from "vitest";
import type { Message, RoomEvent } from "@parley/protocol";
import { checkRun, violations } from "./checker.ts";
import type { ClientLog } from "./client-log.ts";
import type { StoredEvent, StoredMessage, StoredState } from "./cluster.ts";
import { applyEvent, viewMessage } from "./message-view.ts";

const ROOM = "room-1";
const row = (seq: number, clientId: string, userId = "u1"): StoredMessage => ({
  id: `id-${seq}`,
  roomId: ROOM,
  seq,
  userId,
  clientId,
  body: `m${seq}`,
  edited: false,
  deleted: false,
});
const receipt = (seq: number, id = `id-${seq}`) => ({ roomId: ROOM, seq, id, clientId: null, t: 0, via: "ws" as const });
const state = (messages: StoredMessage[], events: StoredEvent[] = [], reactions: StoredState["reactions"] = []): StoredState => ({
  messages,
  events,
  reactions,
});

/** A client that sent c1..c3, got them acked as seqs 1..3 and received 1..3 after subscribing at 0. */
function cleanLog(): ClientLog {
  const log: ClientLog = {
    userId: "u1",
    username: "alice",
    sends: ["c1", "c2", "c3"].map((clientId) => ({ clientId, roomId: ROOM, t: 0 })),
    acks: [1, 2, 3].map((seq) => ({ clientId: `c${seq}`, roomId: ROOM, seq, id: `id-${seq}`, t: 0 })),
    receives: [1, 2, 3].map((seq) => receipt(seq)),
    changes: [],
    answers: [],
    backfills: [],
    views: {},
    subscriptions: [{ roomId: ROOM, lastSeq: 0, limited: false, t: 0 }],
    errors: [],
    closes: [],
    connects: [{ worker: "w1", t: 0 }],
    startSeq: { [ROOM]: 0 },
    rejected: [],
  };
  for (const seq of [1, 2, 3]) viewMessage(log.views, messageFrame(row(seq, `c${seq}`)), seq);
  return log;
}
const cleanRows = () => [row(1, "c1"), row(2, "c2"), row(3, "c3")];

const messageFrame = (m: StoredMessage): Message => ({
  id: m.id,
  roomId: m.roomId,
  seq: m.seq,
  user: { id: m.userId, username: "alice" },
  body: m.body,
  clientId: m.clientId,
  createdAt: "2024-01-01T00:00:00.000Z",
});

/** Events of the clean run's room: bob edits nothing, alice edits id-1 at 4, bob reacts 👍 to id-2 at 5, alice deletes id-3 at 6. */
const EVENTS: RoomEvent[] = [
  { type: "event", roomId: ROOM, seq: 4, kind: "message.edited", at: "", message: { id: "id-1", body: "m1 fixed", editedAt: "" } },
  { type: "event", roomId: ROOM, seq: 5, kind: "reaction.added", at: "", reaction: { messageId: "id-2", emoji: "👍", user: { id: "u2", username: "bob" } } },
  { type: "event", roomId: ROOM, seq: 6, kind: "message.deleted", at: "", message: { id: "id-3", body: "", deleted: true } },
];
/** The database after EVENTS. */
function changedState(): StoredState {
  const [m1, m2, m3] = cleanRows();
  const stored = (e: RoomEvent): StoredEvent => ({
    roomId: ROOM,
    seq: e.seq,
    kind: e.kind,
    messageId: e.message?.id ?? e.reaction!.messageId,
    userId: e.reaction?.user.id ?? "u1",
    emoji: e.reaction?.emoji ?? null,
    body: e.kind === "message.edited" ? "m1 fixed" : null,
    previousBody: e.kind === "message.edited" ? "m1" : null,
  });
  return state([{ ...m1!, body: "m1 fixed", edited: true }, m2!, { ...m3!, body: "", deleted: true }], EVENTS.map(stored), [
    { roomId: ROOM, messageId: "id-2", emoji: "👍", userId: "u2" },
  ]);
}
/** The clean log that also sent alice's edit and deletion, had them acked, and received `events` (by seq). */
function changedLog(received = [4, 5, 6]): ClientLog {
  const log = cleanLog();
  log.changes.push(
    { type: "edit", roomId: ROOM, messageId: "id-1", body: "m1 fixed", clientId: "x1", t: 0 },
    { type: "delete", roomId: ROOM, messageId: "id-3", clientId: "x2", t: 0 },
  );
  log.answers.push({ clientId: "x1", kind: "ack", body: "m1 fixed", deleted: false, t: 0 }, { clientId: "x2", kind: "ack", body: "", deleted: true, t: 0 });
  for (const seq of received) {
    const event = EVENTS.find((e) => e.seq === seq)!;
    log.receives.push({ ...receipt(seq, event.message?.id ?? event.reaction!.messageId), kind: event.kind });
    applyEvent(log.views, event);
  }
  return log;
}

describe("the resilience checker", () => {
  it("passes a clean run and counts its totals", () => {
    const summary = checkRun("clean", [cleanLog()], state(cleanRows()));
    expect(violations(summary)).toEqual([]);
    expect(summary).toMatchObject({ sent: 3, sendAttempts: 3, acked: 3, stored: 3, received: 3 });
  });

  it("reports an acknowledged message that is not stored", () => {
    const rows = cleanRows().filter((m) => m.seq !== 3);
    const log = cleanLog();
    log.receives.pop();
    delete log.views["id-3"];
    expect(checkRun("lost", [log], state(rows)).ackedNotStored).toBe(1);
  });

  it("reports an ack that names another seq than the stored one", () => {
    const log = cleanLog();
    log.acks[1]!.seq = 7;
    expect(checkRun("wrong seq", [log], state(cleanRows())).ackedNotStored).toBe(1);
  });

  it("reports a message delivered twice, by seq or by id", () => {
    const log = cleanLog();
    log.receives.push(receipt(2));
    expect(checkRun("dup", [log], state(cleanRows()))).toMatchObject({ deliveredTwice: 1, outOfOrder: 0 });
  });

  it("reports an out-of-order receipt", () => {
    const log = cleanLog();
    log.receives = [receipt(1), receipt(3), receipt(2)];
    expect(checkRun("order", [log], state(cleanRows()))).toMatchObject({ outOfOrder: 1, deliveredTwice: 0, missingAfterResume: 0 });
  });

  it("reports a gap: a stored message after the first subscription never received", () => {
    const log = cleanLog();
    log.receives = [receipt(1), receipt(3)];
    expect(checkRun("gap", [log], state(cleanRows())).missingAfterResume).toBe(1);
    // Messages before the first subscription are not owed.
    log.startSeq[ROOM] = 2;
    log.receives = [receipt(3)];
    expect(checkRun("late joiner", [log], state(cleanRows())).missingAfterResume).toBe(0);
  });

  it("reports a clientId stored twice, a hole in the seqs and a receipt the database does not hold", () => {
    const rows = [...cleanRows(), { ...row(5, "c3"), id: "id-5" }];
    const log = cleanLog();
    log.receives.push(receipt(4, "ghost"));
    const summary = checkRun("rows", [log], state(rows));
    expect(summary).toMatchObject({ duplicateClientIds: 1, seqGaps: 1, phantom: 1 });
    expect(violations(summary)).toEqual(expect.arrayContaining(["duplicateClientIds=1", "seqGaps=1", "phantom=1"]));
  });

  it("reports a send never acked nor refused, and conflicting acks of one clientId", () => {
    const log = cleanLog();
    log.sends.push({ clientId: "c4", roomId: ROOM, t: 0 }, { clientId: "c5", roomId: ROOM, t: 0 });
    log.rejected.push("c5");
    log.acks.push({ clientId: "c1", roomId: ROOM, seq: 2, id: "id-2", t: 0, dropped: true });
    expect(checkRun("acks", [log], state(cleanRows()))).toMatchObject({ unacked: 1, ackConflicts: 1 });
  });

  it("passes a run with an edit, a reaction and a deletion whose views match the database", () => {
    const summary = checkRun("changes", [changedLog()], changedState());
    expect(violations(summary)).toEqual([]);
    expect(summary).toMatchObject({ changes: 2, changesAccepted: 2, received: 6 });
    expect(changedLog().views).toMatchObject({
      "id-1": { body: "m1 fixed", edited: true },
      "id-2": { reactions: { "👍": 1 } },
      "id-3": { body: "", deleted: true },
    });
  });

  it("reports a missed edit: the event is missing and the view keeps the old body", () => {
    const summary = checkRun("missed edit", [changedLog([5, 6])], changedState());
    expect(summary).toMatchObject({ missingAfterResume: 1, viewMismatch: 1 });
    expect(summary.examples?.join("\n")).toContain('body "m1" ≠ "m1 fixed"');
  });

  it("reports a reaction applied twice: delivered twice, counted twice", () => {
    const log = changedLog();
    log.receives.push({ ...receipt(5, "id-2"), kind: "reaction.added" });
    applyEvent(log.views, EVENTS[1]!);
    expect(checkRun("reaction twice", [log], changedState())).toMatchObject({ deliveredTwice: 1, viewMismatch: 1 });
  });

  it("reports a lost deletion: acked, yet the message is not deleted", () => {
    const stored = changedState();
    stored.messages[2] = row(3, "c3");
    stored.events.pop();
    const log = changedLog([4, 5]);
    const summary = checkRun("lost delete", [log], stored);
    expect(summary).toMatchObject({ ackedDeleteNotDeleted: 1, viewMismatch: 0, missingAfterResume: 0 });
  });

  it("reports an acked edit whose body is stored nowhere, and a reaction toggle the table does not hold", () => {
    const log = changedLog();
    log.changes.push(
      { type: "edit", roomId: ROOM, messageId: "id-1", body: "never stored", clientId: "x3", t: 0 },
      { type: "react", roomId: ROOM, messageId: "id-2", emoji: "🎉", on: true, clientId: "x4", t: 0 },
    );
    log.answers.push({ clientId: "x3", kind: "ack", body: "never stored", deleted: false, t: 0 }, { clientId: "x4", kind: "reactions", me: true, t: 0 });
    expect(checkRun("lost changes", [log], changedState())).toMatchObject({ ackedEditNotStored: 1, ackedReactionNotStored: 1 });
  });

  it("counts events in the room's seq: a hole, a seq held twice, an event out of order, a change never answered", () => {
    const stored = changedState();
    stored.events[2] = { ...stored.events[2]!, seq: 7 };
    const holed = changedLog([4, 5]);
    expect(checkRun("hole", [holed], stored).seqGaps).toBe(1);
    stored.events[2] = { ...stored.events[2]!, seq: 3 };
    expect(checkRun("twice", [holed], stored).seqGaps).toBe(1);

    const log = changedLog([5, 4, 6]);
    log.changes.push({ type: "react", roomId: ROOM, messageId: "id-2", emoji: "🎉", on: true, clientId: "x5", t: 0 });
    expect(checkRun("order", [log], changedState())).toMatchObject({ outOfOrder: 1, unacked: 1, deliveredTwice: 0 });
  });

  it("does not owe events inside a range paged from history, but still owes its messages", () => {
    const log = changedLog([6]);
    log.backfills.push({ roomId: ROOM, afterSeq: 0, toSeq: 5 });
    // The pages gave each message as it was once seq 5 was stored: id-1 edited, id-2 with bob's 👍.
    log.views = {};
    const [m1, m2, m3] = cleanRows().map(messageFrame);
    for (const m of [{ ...m1!, body: "m1 fixed", editedAt: "x" }, { ...m2!, reactions: [{ emoji: "👍", count: 1, me: false }] }, m3!])
      viewMessage(log.views, m, 5);
    // Seq 5 is in the pages already: applying it again would count bob twice.
    for (const e of EVENTS.slice(1)) applyEvent(log.views, e);
    expect(violations(checkRun("backfill", [log], changedState()))).toEqual([]);
    log.receives.splice(1, 1);
    expect(checkRun("backfill missing a message", [log], changedState()).missingAfterResume).toBe(1);
  });
});
