import type { Message, User } from "@parley/protocol";
import { dayKeyOf, GROUP_GAP_MS } from "../lib/format.ts";
import type { PendingMessage } from "../state/timeline-store.ts";

/**
 * What the timeline draws, one entry per virtualised row. A row's identity (`key`) and object stay
 * the same while what it shows is unchanged, so a new message adds one row and re-renders nothing
 * else. Later kinds of event (edits, reactions, thread replies) change a message row's object in
 * place of its key; new kinds of line get a `kind` of their own.
 */
export type Row = StartRowModel | MessageRowModel | PendingRowModel | UnreadRowModel;

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
/** "This is the beginning of the room": the first row, once the first message is held. */
export interface StartRowModel {
  kind: "start";
  key: "start";
}
const START: StartRowModel = { kind: "start", key: "start" };
/** The key the "New messages" row is cached under (there is one per list). */
const UNREAD_SOURCE = {};

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
  /** The first page has come (so an empty room, too, starts with the room's beginning). */
  loaded: boolean;
}

/** An instant's time and calendar day, worked out once per timestamp (rows are rebuilt on every change). */
interface When {
  ms: number;
  day: number;
}
const whens = new Map<string, When>();
function whenOf(iso: string): When {
  let when = whens.get(iso);
  if (!when) {
    if (whens.size > 50_000) whens.clear();
    whens.set(iso, (when = { ms: Date.parse(iso), day: dayKeyOf(iso) }));
  }
  return when;
}

/** A message that starts a new run after `prev` (by someone else, later than the gap, or on another day). */
function runInfo(prev: { userId: string; at: string } | undefined, userId: string, at: string): RunInfo {
  const now = whenOf(at);
  const before = prev && whenOf(prev.at);
  const dayStart = !before || before.day !== now.day;
  const groupStart = dayStart || prev!.userId !== userId || now.ms - before!.ms > GROUP_GAP_MS;
  return { groupStart, dayStart };
}

/**
 * The rows built before, by what they show (a message, a pending send): kept by the view across
 * builds, so a rebuild finds each unchanged row without indexing the last build.
 */
export type RowCache = WeakMap<object, Row>;

/** Reuses the row built before for `source` when it shows the same thing. */
function reuse<R extends Row>(cache: RowCache, source: object, next: R, same: (old: R) => boolean): R {
  const old = cache.get(source) as R | undefined;
  if (old && old.kind === next.kind && same(old)) return old;
  cache.set(source, next);
  return next;
}

/**
 * Builds the rows from the held messages and pending sends, reusing rows from `cache` that did not
 * change. Linear in the messages held, with no DOM work.
 */
export function buildRows(input: RowInputs, cache: RowCache = new WeakMap()): Row[] {
  const rows: Row[] = input.loaded && !input.hasMore ? [START] : [];
  let prev: { userId: string; at: string } | undefined;
  let marked = input.lastRead === 0;
  input.messages.forEach((message, i) => {
    const info = runInfo(prev, message.user.id, message.createdAt);
    prev = { userId: message.user.id, at: message.createdAt };
    if (i === 0 && input.hasMore) return;
    if (!marked && message.seq > input.lastRead && message.user.id !== input.me.id) {
      marked = true;
      rows.push(reuse(cache, UNREAD_SOURCE, { kind: "unread", key: "unread", first: message }, (old) => old.first === message));
      info.groupStart = true;
    }
    const row: MessageRowModel = { kind: "message", key: `m:${message.seq}`, message, ...info };
    rows.push(reuse(cache, message, row, (old) => old.message === message && old.groupStart === row.groupStart && old.dayStart === row.dayStart));
  });
  for (const pending of input.pending) {
    const at = pending.createdAt;
    const info = runInfo(prev, input.me.id, at);
    prev = { userId: input.me.id, at };
    const row: PendingRowModel = { kind: "pending", key: `p:${pending.clientId}`, pending, ...info };
    rows.push(reuse(cache, pending, row, (old) => old.pending === pending && old.groupStart === row.groupStart && old.dayStart === row.dayStart));
  }
  return rows;
}

/** Whether `next` only added rows before the first row of `previous` (an older page): the list keeps its place from the end. */
export function isPrepend(previous: readonly Row[], next: readonly Row[]): boolean {
  const first = previous[0];
  if (!first || next.length <= previous.length) return false;
  return next[next.length - previous.length] === first || next[next.length - previous.length]?.key === first.key;
}
