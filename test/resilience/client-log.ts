import type { ClientFrame, RoomEvent } from "@parley/protocol";
import type { MessageViews } from "./message-view.ts";

/** An edit, deletion or reaction toggle, as the client sends it. */
export type ChangeFrame = Extract<ClientFrame, { type: "edit" | "delete" | "react" }>;

/** Everything one client did and saw, with times (ms since the epoch). */
export interface ClientLog {
  userId: string;
  username: string;
  /** Every transmission of a `message` frame; a resend repeats the clientId. */
  sends: Array<{ clientId: string; roomId: string; t: number }>;
  /** Every `ack` received; `dropped` when the client pretended it was lost. */
  acks: Array<{ clientId: string; roomId: string; seq: number; id: string; t: number; dropped?: boolean }>;
  /**
   * Every message and event received, over the socket or (`history`, messages only) from a backfill
   * page. `kind` is set for an event, whose `id` is the message it is about.
   */
  receives: Array<{ roomId: string; seq: number; id: string; clientId: string | null; t: number; via: "ws" | "history"; kind?: RoomEvent["kind"] }>;
  /** Every transmission of an edit, deletion or reaction toggle; a resend repeats the clientId. */
  changes: Array<ChangeFrame & { t: number }>;
  /**
   * What each change was answered: `ack` (the message after it), `reactions` (`me`: whether the
   * user's reaction with the frame's emoji is there now), or an `error` the client gave up on.
   */
  answers: Array<
    | { clientId: string; kind: "ack"; body: string; deleted: boolean; t: number }
    | { clientId: string; kind: "reactions"; me: boolean; t: number }
    | { clientId: string; kind: "error"; code: string; t: number }
  >;
  /** Ranges (afterSeq, toSeq] paged from history after a `limited` replay: their events could not be received. */
  backfills: Array<{ roomId: string; afterSeq: number; toSeq: number }>;
  /** The client's view of every message it received, from those receipts alone. */
  views: MessageViews;
  subscriptions: Array<{ roomId: string; afterSeq?: number; lastSeq: number; limited: boolean; t: number }>;
  errors: Array<{ code: string; clientId?: string; roomId?: string; retryAfter?: number; t: number }>;
  closes: Array<{ code: number; reason: string; t: number }>;
  connects: Array<{ worker: string; t: number }>;
  /** Per room, the room's last seq when the client first subscribed: it must receive everything after it. */
  startSeq: Record<string, number>;
  /** clientIds (sends and changes) the server refused for good (not retriable): not expected to be stored. */
  rejected: string[];
}
