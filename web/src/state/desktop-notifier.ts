import { createSignal } from "solid-js";
import type { Message } from "@parley/protocol";

/** How much of a body a notification shows. */
export const PREVIEW_MAX = 140;
/** Message ids already notified, kept so a message arriving twice (frame and mention) shows once. */
const REMEMBERED = 200;

/** The `Notification` constructor, or undefined where the browser has none (iOS Safari outside a home-screen app). */
export type NotificationConstructor = Pick<typeof Notification, "permission" | "requestPermission"> &
  (new (title: string, options?: NotificationOptions) => Pick<Notification, "close" | "onclick">);

export interface DesktopNotifierDeps {
  Notification: NotificationConstructor | undefined;
  storage: Pick<Storage, "getItem" | "setItem">;
  userId: () => string | undefined;
  /** A notification was clicked: bring the window forward and open the room. */
  onOpen: (roomId: string) => void;
}

/** A body as a notification shows it: on one line, cut at PREVIEW_MAX characters (Notification bodies are plain text already). */
export function notificationBody(body: string): string {
  const line = body.replace(/\s+/g, " ").trim();
  return line.length > PREVIEW_MAX ? `${line.slice(0, PREVIEW_MAX - 1).trimEnd()}…` : line;
}

/**
 * Browser notifications (the Notification API) and the asking for them. Permission is never asked
 * on load: a reason to notify (a mention, or a level other than "none" picked) offers a one-time,
 * dismissible prompt, and only its button asks the browser. Each room has one notification at a
 * time (its tag), a newer one replacing it; clicking it opens the room.
 */
export function createDesktopNotifier({ Notification: Native, storage, userId, onOpen }: DesktopNotifierDeps) {
  const key = () => `parley.notifyPrompt.${userId()}`;
  const [permission, setPermission] = createSignal<NotificationPermission>(Native?.permission ?? "denied");
  const [offered, setOffered] = createSignal(false);
  const [dismissed, setDismissed] = createSignal(false);
  const shown = new Set<string>();

  return {
    /** Whether to show the "Turn on desktop notifications" prompt. */
    prompting: () => offered() && !dismissed() && permission() === "default" && storage.getItem(key()) === null,
    /** Something the user would want to hear of happened: offer the prompt (once per user and device). */
    offer: () => setOffered(true),
    /** The prompt's button: asks the browser, and the prompt is done whatever the answer. */
    async enable() {
      this.dismiss();
      if (Native) setPermission(await Native.requestPermission());
    },
    dismiss() {
      storage.setItem(key(), "dismissed");
      setDismissed(true);
    },
    /**
     * Shows one message, if permitted and not shown already; the caller decided it deserves one
     * (notify-policy). `room`: where it was said, as the sidebar names it ("#launch"); absent for a DM.
     */
    show(message: Message, room?: string) {
      if (!Native || Native.permission !== "granted" || shown.has(message.id)) return;
      shown.add(message.id);
      if (shown.size > REMEMBERED) shown.delete(shown.values().next().value!);
      const title = room === undefined ? `${message.user.username} (direct message)` : `${message.user.username} in ${room}`;
      const note = new Native(title, { body: notificationBody(message.body), tag: `parley-room-${message.roomId}` });
      note.onclick = () => {
        onOpen(message.roomId);
        note.close();
      };
    },
  };
}
export type DesktopNotifier = ReturnType<typeof createDesktopNotifier>;
