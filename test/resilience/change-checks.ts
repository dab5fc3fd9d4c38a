import type { ChangeFrame, ClientLog } from "./client-log.ts";
import type { StoredEvent, StoredMessage, StoredState } from "./cluster.ts";
import type { MessageView } from "./message-view.ts";

/** How one client's edits, deletions, reactions and views disagree with the database. */
export interface ChangeFindings {
  viewMismatch: number;
  ackedEditNotStored: number;
  ackedDeleteNotDeleted: number;
  ackedReactionNotStored: number;
  examples: string[];
}

/** The database indexed for the change checks: messages by id, edits by message, reactions as keys. */
export interface StoredIndex {
  byId: Map<string, StoredMessage>;
  editsOf: Map<string, StoredEvent[]>;
  /** Per message, how many users reacted with each emoji. */
  reactionCounts: Map<string, Map<string, number>>;
  /** `${messageId} ${emoji} ${userId}` for every reaction stored. */
  reactionKeys: Set<string>;
}

export function indexStored(stored: StoredState): StoredIndex {
  const editsOf = new Map<string, StoredEvent[]>();
  for (const e of stored.events) if (e.kind === "message.edited") editsOf.set(e.messageId, [...(editsOf.get(e.messageId) ?? []), e]);
  const reactionCounts = new Map<string, Map<string, number>>();
  for (const r of stored.reactions) {
    const counts = reactionCounts.get(r.messageId) ?? new Map<string, number>();
    reactionCounts.set(r.messageId, counts.set(r.emoji, (counts.get(r.emoji) ?? 0) + 1));
  }
  return {
    byId: new Map(stored.messages.map((m) => [m.id, m])),
    editsOf,
    reactionCounts,
    reactionKeys: new Set(stored.reactions.map((r) => `${r.messageId} ${r.emoji} ${r.userId}`)),
  };
}

/**
 * Compares a client's view of every message it received with the row (body, deleted, edited, the
 * count of each emoji), and each change the server accepted with what it stored.
 */
export function checkChanges(log: ClientLog, db: StoredIndex): ChangeFindings {
  const found: ChangeFindings = { viewMismatch: 0, ackedEditNotStored: 0, ackedDeleteNotDeleted: 0, ackedReactionNotStored: 0, examples: [] };
  const note = (text: string) => found.examples.length < 5 && found.examples.push(`${log.username}: ${text}`);

  for (const view of Object.values(log.views)) {
    const row = db.byId.get(view.id);
    const differs = row ? differences(view, row, db) : ["not stored"];
    if (differs.length === 0) continue;
    found.viewMismatch++;
    note(`view of ${view.id} differs: ${differs.join(", ")}`);
  }

  const frames = new Map<string, ChangeFrame>(log.changes.map((c) => [c.clientId, c]));
  // Each (message, emoji)'s last accepted toggle: a client changes a message only once its last change is answered.
  const lastToggle = new Map<string, { messageId: string; emoji: string; me: boolean }>();
  for (const answer of log.answers) {
    const frame = frames.get(answer.clientId);
    if (!frame || answer.kind === "error") continue;
    const row = db.byId.get(frame.messageId);
    if (frame.type === "edit" && !editStored(frame.body, frame.messageId, row, db)) {
      found.ackedEditNotStored++;
      note(`acked edit ${frame.clientId} of ${frame.messageId} is neither its body nor in its history`);
    } else if (frame.type === "delete" && !row?.deleted) {
      found.ackedDeleteNotDeleted++;
      note(`acked delete ${frame.clientId} of ${frame.messageId}: the message is not deleted`);
    } else if (frame.type === "react" && answer.kind === "reactions") {
      lastToggle.set(`${frame.messageId} ${frame.emoji}`, { messageId: frame.messageId, emoji: frame.emoji, me: answer.me });
    }
  }
  for (const { messageId, emoji, me } of lastToggle.values()) {
    // A deletion drops the message's reactions: only a live message's must match the last answer.
    if (db.byId.get(messageId)?.deleted) continue;
    if (db.reactionKeys.has(`${messageId} ${emoji} ${log.userId}`) === me) continue;
    found.ackedReactionNotStored++;
    note(`last answer for ${emoji} on ${messageId} said ${me ? "on" : "off"}, the database says otherwise`);
  }
  return found;
}

function differences(view: MessageView, row: StoredMessage, db: StoredIndex): string[] {
  const out: string[] = [];
  if (view.body !== row.body) out.push(`body ${JSON.stringify(view.body)} ≠ ${JSON.stringify(row.body)}`);
  if (view.deleted !== row.deleted) out.push(`deleted ${view.deleted} ≠ ${row.deleted}`);
  if (view.edited !== row.edited) out.push(`edited ${view.edited} ≠ ${row.edited}`);
  const stored = db.reactionCounts.get(row.id) ?? new Map<string, number>();
  for (const e of new Set([...Object.keys(view.reactions), ...stored.keys()])) {
    if ((view.reactions[e] ?? 0) !== (stored.get(e) ?? 0)) out.push(`${e} ${view.reactions[e] ?? 0} ≠ ${stored.get(e) ?? 0}`);
  }
  return out;
}

/** An accepted edit's body is the message's body or one of its edit history's; once deleted, an edit must still be recorded. */
function editStored(body: string, messageId: string, row: StoredMessage | undefined, db: StoredIndex): boolean {
  if (!row) return false;
  const edits = db.editsOf.get(messageId) ?? [];
  if (row.deleted) return edits.length > 0;
  return row.body === body || edits.some((e) => e.body === body || e.previousBody === body);
}
