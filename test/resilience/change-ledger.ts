import type { Message, ReactionSummary } from "@parley/protocol";
import type { ChangeFrame, ClientLog } from "./client-log.ts";

/**
 * A chaos client's edits, deletions and reaction toggles: every frame by clientId (an answer to a
 * resend may come after the first one's), what each was answered in the log, and which emoji the
 * user's reactions hold now by the server's last answers.
 */
export class ChangeLedger {
  private readonly frames = new Map<string, ChangeFrame>();
  private readonly reacted = new Map<string, Set<string>>();

  constructor(private readonly log: Pick<ClientLog, "changes" | "answers">) {}

  add(frame: ChangeFrame): void {
    this.frames.set(frame.clientId, frame);
  }

  /** True for a change's clientId (a message's is not). */
  has(clientId: string): boolean {
    return this.frames.has(clientId);
  }

  sent(frame: ChangeFrame): void {
    this.log.changes.push({ ...frame, t: Date.now() });
  }

  /** An edit's or deletion's `ack`: the message as it is now. */
  acked(clientId: string, message: Message): void {
    this.log.answers.push({ clientId, kind: "ack", body: message.body, deleted: message.deleted === true, t: Date.now() });
  }

  /** A toggle's `reactions` answer; false when it answers no toggle of this client. */
  reactions(clientId: string, messageId: string, reactions: ReactionSummary[]): boolean {
    const frame = this.frames.get(clientId);
    if (frame?.type !== "react") return false;
    const me = reactions.some((r) => r.emoji === frame.emoji && r.me);
    this.log.answers.push({ clientId, kind: "reactions", me, t: Date.now() });
    const mine = this.reacted.get(messageId) ?? new Set<string>();
    if (me) mine.add(frame.emoji);
    else mine.delete(frame.emoji);
    this.reacted.set(messageId, mine);
    return true;
  }

  /** A change the server refused for good. */
  refused(clientId: string, code: string): void {
    if (this.frames.has(clientId)) this.log.answers.push({ clientId, kind: "error", code, t: Date.now() });
  }

  /** Whether the server's last answer said this user reacted to the message with the emoji. */
  hasReacted(messageId: string, emoji: string): boolean {
    return this.reacted.get(messageId)?.has(emoji) ?? false;
  }
}
