import type { ClientLog } from "./chaos-client.ts";
import type { StoredMessage } from "./cluster.ts";

/** What one scenario did, and every way it broke the protocol's guarantees. */
export interface RunSummary {
  scenario: string;
  clients: number;
  /** Distinct clientIds sent, transmissions (resends included), distinct clientIds acked. */
  sent: number;
  sendAttempts: number;
  acked: number;
  /** Rows in the database that these clients' sends created. */
  stored: number;
  received: number;
  reconnects: number;
  /** An ack whose message is not in the database with that id, room and seq. */
  ackedNotStored: number;
  /** A clientId acked with two different messages. */
  ackConflicts: number;
  /** A (room, seq) or message id received a second time by the same client. */
  deliveredTwice: number;
  /** The first few violations spelled out, to start a diagnosis from. */
  examples?: string[];
  /** A message received after a higher seq of the same room. */
  outOfOrder: number;
  /** A stored message after the client's first subscription that it never received. */
  missingAfterResume: number;
  /** Extra rows for one (user, clientId): a resend stored twice. */
  duplicateClientIds: number;
  /** A received (room, seq) that the database does not hold with that id. */
  phantom: number;
  /** Holes in a room's seq numbering 1..max. */
  seqGaps: number;
  /** Sent, never acked and never refused: a silent drop from the client's point of view. */
  unacked: number;
  /** Informative: stored without the client having accepted an ack (fine only for refused sends). */
  storedNotAcked: number;
  /** Error frames (and refused upgrades) by code. */
  errors: Record<string, number>;
}

/** The counts that must be zero. */
export const VIOLATIONS = [
  "ackedNotStored",
  "ackConflicts",
  "deliveredTwice",
  "outOfOrder",
  "missingAfterResume",
  "duplicateClientIds",
  "phantom",
  "seqGaps",
  "unacked",
] as const;

/** Checks client logs against the messages table. Pure: the caller reads the database. */
export function checkRun(scenario: string, logs: ClientLog[], stored: StoredMessage[]): RunSummary {
  const byId = new Map(stored.map((m) => [m.id, m]));
  const bySeq = new Map(stored.map((m) => [`${m.roomId}:${m.seq}`, m]));
  const rowsOfRoom = groupBy(stored, (m) => m.roomId);
  const summary: RunSummary = {
    scenario,
    clients: logs.length,
    sent: 0,
    sendAttempts: 0,
    acked: 0,
    stored: 0,
    received: 0,
    reconnects: 0,
    ackedNotStored: 0,
    ackConflicts: 0,
    deliveredTwice: 0,
    outOfOrder: 0,
    missingAfterResume: 0,
    duplicateClientIds: 0,
    phantom: 0,
    seqGaps: 0,
    unacked: 0,
    storedNotAcked: 0,
    errors: {},
  };

  for (const rows of groupBy(
    stored.filter((m) => m.clientId !== null),
    (m) => `${m.userId}\u0000${m.clientId}`,
  ).values())
    summary.duplicateClientIds += rows.length - 1;
  for (const rows of rowsOfRoom.values()) summary.seqGaps += Math.max(...rows.map((m) => m.seq)) - new Set(rows.map((m) => m.seq)).size;

  for (const log of logs) {
    const sent = new Set(log.sends.map((s) => s.clientId));
    summary.sent += sent.size;
    summary.sendAttempts += log.sends.length;
    summary.received += log.receives.length;
    summary.reconnects += Math.max(0, log.connects.length - 1);
    for (const e of log.errors) summary.errors[e.code] = (summary.errors[e.code] ?? 0) + 1;

    // Every ack, kept or pretended lost, must name the one stored message of its clientId.
    const accepted = new Set<string>();
    for (const [clientId, acks] of groupBy(log.acks, (a) => a.clientId)) {
      if (acks.some((a) => !a.dropped)) accepted.add(clientId);
      if (new Set(acks.map((a) => a.id)).size > 1) summary.ackConflicts++;
      if (acks.some((a) => byId.get(a.id)?.seq !== a.seq || byId.get(a.id)?.roomId !== a.roomId || byId.get(a.id)?.clientId !== clientId))
        summary.ackedNotStored++;
    }
    summary.acked += accepted.size;
    const rejected = new Set(log.rejected);
    for (const clientId of sent) if (!accepted.has(clientId) && !rejected.has(clientId)) summary.unacked++;
    const own = stored.filter((m) => m.userId === log.userId && m.clientId !== null && sent.has(m.clientId));
    summary.stored += own.length;
    summary.storedNotAcked += own.filter((m) => !accepted.has(m.clientId!)).length;

    // Receipts: once each, in each room's order, all of them from the first subscription on.
    const seenKeys = new Set<string>();
    const seenIds = new Set<string>();
    const highest = new Map<string, number>();
    for (const r of log.receives) {
      const key = `${r.roomId}:${r.seq}`;
      if (bySeq.get(key)?.id !== r.id) summary.phantom++;
      if (seenKeys.has(key) || seenIds.has(r.id)) {
        summary.deliveredTwice++;
        if ((summary.examples ??= []).length < 10) {
          const first = log.receives.find((x) => x.id === r.id || `${x.roomId}:${x.seq}` === key)!;
          summary.examples.push(`${log.username} got ${key} twice: ${first.via} at ${first.t}, ${r.via} at ${r.t}`);
        }
        continue;
      }
      seenKeys.add(key);
      seenIds.add(r.id);
      if (r.seq < (highest.get(r.roomId) ?? -Infinity)) summary.outOfOrder++;
      highest.set(r.roomId, Math.max(r.seq, highest.get(r.roomId) ?? -Infinity));
    }
    for (const [roomId, startSeq] of Object.entries(log.startSeq)) {
      for (const m of rowsOfRoom.get(roomId) ?? []) if (m.seq > startSeq && !seenKeys.has(`${roomId}:${m.seq}`)) summary.missingAfterResume++;
    }
  }
  return summary;
}

/** The names and counts of the guarantees a run broke; empty when it passed. */
export function violations(summary: RunSummary): string[] {
  return VIOLATIONS.filter((k) => summary[k] !== 0).map((k) => `${k}=${summary[k]}`);
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
