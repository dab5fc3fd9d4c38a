import type { Message, User } from "@parley/protocol";
import { dayKeyOf, GROUP_GAP_MS } from "../lib/format.ts";
import type { PendingMessage } from "../state/timeline-store.ts";

/**
 * What the timeline draws, one entry per virtualised row. A row's identity (`key`) and object stay
 * the same while what it shows is unchanged, so a new message adds one row and re-renders nothing
 * else. Later kinds of event (edits, reactions, thread replies) change a message row's object in
 * place of its key; new kinds of line get a `kind` of their own.
 */
export type Row = MessageRowModel | PendingRowModel | UnreadRowModel;

interface RunInfo {
  /** The first of a run by one author: show the avatar, name and time. */
  groupStart: boolean;
  /** The first message of a calendar day (viewer's time zone): a day separator goes above it. */
  dayStart: boolean;
}
export interface MessageRowModel extends RunInfo {
  kind: "message";
  key: string;
  message: Message;
}
export interface PendingRowModel extends RunInfo {
  kind: "pending";
  key: string;
  pending: PendingMessage;
}
/** The "New messages" line, before the first message from someone else after the last one read. */
export interface UnreadRowModel {
  kind: "unread";
  key: "unread";
  /** The first unread message. */
  first: Message;
}

export interface RowInputs {
  messages: readonly Message[];
  pending: readonly PendingMessage[];
  me: User;
  /** The last seq read when the room was opened (0: none). */
  lastRead: number;
  /**
   * Older messages exist: the oldest held one is not drawn but only tells how the next one groups,
   * so loading an older page never changes a row already drawn (the virtual list keeps its place).
   */
  hasMore: boolean;
}

/** A message that starts a new run after `prev` (by someone else, later than the gap, or on another day). */
function runInfo(prev: { userId: string; at: string } | undefined, userId: string, at: string): RunInfo {
  const dayStart = !prev || dayKeyOf(prev.at) !== dayKeyOf(at);
  const groupStart = dayStart || prev!.userId !== userId || Date.parse(at) - Date.parse(prev!.at) > GROUP_GAP_MS;
  return { groupStart, dayStart };
}

/** Reuses the previous build's row when it shows the same thing. */
function reuse<R extends Row>(cache: ReadonlyMap<string, Row>, next: R, same: (old: R) => boolean): R {
  const old = cache.get(next.key) as R | undefined;
  return old && old.kind === next.kind && same(old) ? old : next;
}

/**
 * Builds the rows from the held messages and pending sends, reusing rows from `previous` (the
 * last build) that did not change. Linear in the messages held, with no DOM work.
 */
export function buildRows(input: RowInputs, previous: readonly Row[] = []): Row[] {
  const cache = new Map(previous.map((r) => [r.key, r]));
  const rows: Row[] = [];
  let prev: { userId: string; at: string } | undefined;
  let marked = input.lastRead === 0;
  input.messages.forEach((message, i) => {
    const info = runInfo(prev, message.user.id, message.createdAt);
    prev = { userId: message.user.id, at: message.createdAt };
    if (i === 0 && input.hasMore) return;
    if (!marked && message.seq > input.lastRead && message.user.id !== input.me.id) {
      marked = true;
      rows.push(reuse(cache, { kind: "unread", key: "unread", first: message }, (old) => old.first === message));
      info.groupStart = true;
    }
    const row: MessageRowModel = { kind: "message", key: `m:${message.seq}`, message, ...info };
    rows.push(reuse(cache, row, (old) => old.message === message && old.groupStart === row.groupStart && old.dayStart === row.dayStart));
  });
  for (const pending of input.pending) {
    const at = pending.createdAt;
    const info = runInfo(prev, input.me.id, at);
    prev = { userId: input.me.id, at };
    const row: PendingRowModel = { kind: "pending", key: `p:${pending.clientId}`, pending, ...info };
    rows.push(reuse(cache, row, (old) => old.pending === pending && old.groupStart === row.groupStart && old.dayStart === row.dayStart));
  }
  return rows;
}

/** Whether `next` only added rows before the first row of `previous` (an older page): the list keeps its place from the end. */
export function isPrepend(previous: readonly Row[], next: readonly Row[]): boolean {
  const first = previous[0];
  if (!first || next.length <= previous.length) return false;
  return next[next.length - previous.length] === first || next[next.length - previous.length]?.key === first.key;
}
