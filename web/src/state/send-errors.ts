import type { ServerFrame } from "@parley/protocol";

/** What to tell the user about a send the server refused (a message or a thread reply). */
export function describeSendError(frame: Extract<ServerFrame, { type: "error" }>): string {
  if (frame.code === "rate_limited") return `Sending too fast. Wait ${frame.retryAfter ?? "a few"} seconds, then retry.`;
  if (frame.code === "forbidden") return "You are no longer a member of this room.";
  return frame.message;
}
