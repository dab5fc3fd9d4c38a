import { describe, expect, it } from "vitest";
import type { ClientLog } from "./chaos-client.ts";
import { checkRun, violations } from "./checker.ts";
import type { StoredMessage } from "./cluster.ts";

const ROOM = "room-1";
const row = (seq: number, clientId: string, userId = "u1"): StoredMessage => ({ id: `id-${seq}`, roomId: ROOM, seq, userId, clientId });
const receipt = (seq: number, id = `id-${seq}`) => ({ roomId: ROOM, seq, id, clientId: null, t: 0, via: "ws" as const });

/** A client that sent c1..c3, got them acked as seqs 1..3 and received 1..3 after subscribing at 0. */
function cleanLog(): ClientLog {
  return {
    userId: "u1",
    username: "alice",
    sends: ["c1", "c2", "c3"].map((clientId) => ({ clientId, roomId: ROOM, t: 0 })),
    acks: [1, 2, 3].map((seq) => ({ clientId: `c${seq}`, roomId: ROOM, seq, id: `id-${seq}`, t: 0 })),
    receives: [1, 2, 3].map((seq) => receipt(seq)),
    subscriptions: [{ roomId: ROOM, lastSeq: 0, limited: false, t: 0 }],
    errors: [],
    closes: [],
    connects: [{ worker: "w1", t: 0 }],
    startSeq: { [ROOM]: 0 },
    rejected: [],
  };
}
const cleanRows = () => [row(1, "c1"), row(2, "c2"), row(3, "c3")];

describe("the resilience checker", () => {
  it("passes a clean run and counts its totals", () => {
    const summary = checkRun("clean", [cleanLog()], cleanRows());
    expect(violations(summary)).toEqual([]);
    expect(summary).toMatchObject({ sent: 3, sendAttempts: 3, acked: 3, stored: 3, received: 3 });
  });

  it("reports an acknowledged message that is not stored", () => {
    const rows = cleanRows().filter((m) => m.seq !== 3);
    const log = cleanLog();
    log.receives.pop();
    expect(checkRun("lost", [log], rows).ackedNotStored).toBe(1);
  });

  it("reports an ack that names another seq than the stored one", () => {
    const log = cleanLog();
    log.acks[1]!.seq = 7;
    expect(checkRun("wrong seq", [log], cleanRows()).ackedNotStored).toBe(1);
  });

  it("reports a message delivered twice, by seq or by id", () => {
    const log = cleanLog();
    log.receives.push(receipt(2));
    expect(checkRun("dup", [log], cleanRows())).toMatchObject({ deliveredTwice: 1, outOfOrder: 0 });
  });

  it("reports an out-of-order receipt", () => {
    const log = cleanLog();
    log.receives = [receipt(1), receipt(3), receipt(2)];
    expect(checkRun("order", [log], cleanRows())).toMatchObject({ outOfOrder: 1, deliveredTwice: 0, missingAfterResume: 0 });
  });

  it("reports a gap: a stored message after the first subscription never received", () => {
    const log = cleanLog();
    log.receives = [receipt(1), receipt(3)];
    expect(checkRun("gap", [log], cleanRows()).missingAfterResume).toBe(1);
    // Messages before the first subscription are not owed.
    log.startSeq[ROOM] = 2;
    log.receives = [receipt(3)];
    expect(checkRun("late joiner", [log], cleanRows()).missingAfterResume).toBe(0);
  });

  it("reports a clientId stored twice, a hole in the seqs and a receipt the database does not hold", () => {
    const rows = [...cleanRows(), { ...row(5, "c3"), id: "id-5" }];
    const log = cleanLog();
    log.receives.push(receipt(4, "ghost"));
    const summary = checkRun("rows", [log], rows);
    expect(summary).toMatchObject({ duplicateClientIds: 1, seqGaps: 1, phantom: 1 });
    expect(violations(summary)).toEqual(expect.arrayContaining(["duplicateClientIds=1", "seqGaps=1", "phantom=1"]));
  });

  it("reports a send never acked nor refused, and conflicting acks of one clientId", () => {
    const log = cleanLog();
    log.sends.push({ clientId: "c4", roomId: ROOM, t: 0 }, { clientId: "c5", roomId: ROOM, t: 0 });
    log.rejected.push("c5");
    log.acks.push({ clientId: "c1", roomId: ROOM, seq: 2, id: "id-2", t: 0, dropped: true });
    expect(checkRun("acks", [log], cleanRows())).toMatchObject({ unacked: 1, ackConflicts: 1 });
  });
});
