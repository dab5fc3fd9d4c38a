import type { RoomEventKind } from "@parley/protocol";
import { checkChanges, indexStored } from "./change-checks.ts";
import type { ClientLog } from "./client-log.ts";
import type { StoredState } from "./cluster.ts";

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
  /** Edits, deletions and reaction toggles: distinct clientIds sent, and those the server accepted. */
  changes: number;
  changesAccepted: number;
  reconnects: number;
  /** An ack whose message is not in the database with that id, room and seq. */
  ackedNotStored: number;
  /** A clientId acked with two different messages. */
  ackConflicts: number;
  /** A (room, seq) or message id received a second time by the same client (events count by seq). */
  deliveredTwice: number;
  /** The first few violations spelled out, to start a diagnosis from. */
  examples?: string[];
  /** A message or event received after a higher seq of the same room. */
  outOfOrder: number;
  /** A stored message or event after the client's first subscription that it never received. */
  missingAfterResume: number;
  /** Extra rows for one (user, clientId): a resend stored twice. */
  duplicateClientIds: number;
  /** A received (room, seq) that the database does not hold with that message id and kind. */
  phantom: number;
  /** Holes in a room's seq numbering 1..max over messages and events, and seqs held twice. */
  seqGaps: number;
  /** A message or change sent, never answered and never refused: a silent drop from the client's point of view. */
  unacked: number;
  /** After the final resume, a client's view of a message differs from the database (body, deleted, edited, a count per emoji). */
  viewMismatch: number;
  /** An accepted edit whose body is neither the message's body nor in its edit history. */
  ackedEditNotStored: number;
  /** An accepted deletion whose message is not deleted. */
  ackedDeleteNotDeleted: number;
  /** A client's last accepted toggle of an emoji on a live message disagrees with the reactions table. */
  ackedReactionNotStored: number;
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
  "viewMismatch",
  "ackedEditNotStored",
  "ackedDeleteNotDeleted",
  "ackedReactionNotStored",
] as const;

/** One entry of a room's stream: a message's creation or an event about a message. */
interface StreamEntry {
  roomId: string;
  seq: number;
  messageId: string;
  kind: RoomEventKind;
}

/** Checks client logs against the messages, room_events and reactions tables. Pure: the caller reads the database. */
export function checkRun(scenario: string, logs: ClientLog[], state: StoredState): RunSummary {
  const stored = state.messages;
  const byId = new Map(stored.map((m) => [m.id, m]));
  const stream: StreamEntry[] = [
    ...stored.map((m) => ({ roomId: m.roomId, seq: m.seq, messageId: m.id, kind: "message.created" as const })),
    ...state.events.map((e) => ({ roomId: e.roomId, seq: e.seq, messageId: e.messageId, kind: e.kind })),
  ];
  const bySeq = new Map(stream.map((e) => [`${e.roomId}:${e.seq}`, e]));
  const entriesOfRoom = groupBy(stream, (e) => e.roomId);
  const index = indexStored(state);
  const summary: RunSummary = {
    scenario,
    clients: logs.length,
    sent: 0,
    sendAttempts: 0,
    acked: 0,
    stored: 0,
    received: 0,
    changes: 0,
    changesAccepted: 0,
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
    viewMismatch: 0,
    ackedEditNotStored: 0,
    ackedDeleteNotDeleted: 0,
    ackedReactionNotStored: 0,
    storedNotAcked: 0,
    errors: {},
  };

  for (const rows of groupBy(
    stored.filter((m) => m.clientId !== null),
    (m) => `${m.userId}\u0000${m.clientId}`,
  ).values())
    summary.duplicateClientIds += rows.length - 1;
  for (const entries of entriesOfRoom.values()) {
    const distinct = new Set(entries.map((e) => e.seq)).size;
    summary.seqGaps += Math.max(...entries.map((e) => e.seq)) - distinct + (entries.length - distinct);
  }

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
    const changed = new Set(log.changes.map((c) => c.clientId));
    const answered = new Set(log.answers.map((a) => a.clientId));
    summary.changes += changed.size;
    summary.changesAccepted += new Set(log.answers.filter((a) => a.kind !== "error").map((a) => a.clientId)).size;
    for (const clientId of changed) if (!answered.has(clientId) && !rejected.has(clientId)) summary.unacked++;
    const own = stored.filter((m) => m.userId === log.userId && m.clientId !== null && sent.has(m.clientId));
    summary.stored += own.length;
    summary.storedNotAcked += own.filter((m) => !accepted.has(m.clientId!)).length;

    // Receipts: once each, in each room's order, all of them from the first subscription on.
    const seenKeys = new Set<string>();
    const seenIds = new Set<string>();
    const highest = new Map<string, number>();
    for (const r of log.receives) {
      const key = `${r.roomId}:${r.seq}`;
      const kind = r.kind ?? "message.created";
      const entry = bySeq.get(key);
      if (entry?.messageId !== r.id || entry.kind !== kind) summary.phantom++;
      const isMessage = r.kind === undefined;
      if (seenKeys.has(key) || (isMessage && seenIds.has(r.id))) {
        summary.deliveredTwice++;
        if ((summary.examples ??= []).length < 10) {
          const first = log.receives.find((x) => (isMessage && x.kind === undefined && x.id === r.id) || `${x.roomId}:${x.seq}` === key)!;
          summary.examples.push(`${log.username} got ${key} twice: ${first.via} at ${first.t}, ${r.via} at ${r.t}`);
        }
        continue;
      }
      seenKeys.add(key);
      if (isMessage) seenIds.add(r.id);
      if (r.seq < (highest.get(r.roomId) ?? -Infinity)) summary.outOfOrder++;
      highest.set(r.roomId, Math.max(r.seq, highest.get(r.roomId) ?? -Infinity));
    }
    // Events in a range paged from history (after a cut replay) cannot be received: the page holds their effect.
    const paged = (e: StreamEntry) => log.backfills.some((b) => b.roomId === e.roomId && e.seq > b.afterSeq && e.seq <= b.toSeq);
    for (const [roomId, startSeq] of Object.entries(log.startSeq)) {
      for (const e of entriesOfRoom.get(roomId) ?? [])
        if (e.seq > startSeq && !seenKeys.has(`${roomId}:${e.seq}`) && !(e.kind !== "message.created" && paged(e))) summary.missingAfterResume++;
    }

    const changes = checkChanges(log, index);
    summary.viewMismatch += changes.viewMismatch;
    summary.ackedEditNotStored += changes.ackedEditNotStored;
    summary.ackedDeleteNotDeleted += changes.ackedDeleteNotDeleted;
    summary.ackedReactionNotStored += changes.ackedReactionNotStored;
    for (const example of changes.examples) if ((summary.examples ??= []).length < 20) summary.examples.push(example);
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
