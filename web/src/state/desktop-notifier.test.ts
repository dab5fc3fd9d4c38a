import { describe, expect, it, vi } from "vitest";
import type { Message } from "@parley/protocol";
import { createDesktopNotifier, notificationBody, PREVIEW_MAX, type NotificationConstructor } from "./desktop-notifier.ts";

const message = (id: string, body = "hi", roomId = "r1"): Message => ({
  id,
  roomId,
  seq: 1,
  user: { id: "u2", username: "bob" },
  body,
  clientId: null,
  createdAt: "",
});

/** A fake `Notification` recording what was constructed, with the permission the test sets. */
function fakeNotification(permission: NotificationPermission, answer: NotificationPermission = "granted") {
  const made: { title: string; options?: NotificationOptions; note: { onclick: ((this: Notification, ev: Event) => unknown) | null; close: () => void } }[] =
    [];
  class Fake {
    static permission = permission;
    static requestPermission = vi.fn(async () => (Fake.permission = answer));
    onclick: ((this: Notification, ev: Event) => unknown) | null = null;
    close = vi.fn();
    constructor(title: string, options?: NotificationOptions) {
      made.push({ title, options, note: this });
    }
  }
  return { Fake: Fake as unknown as NotificationConstructor & typeof Fake, made };
}

function setup(permission: NotificationPermission, stored: Record<string, string> = {}) {
  const { Fake, made } = fakeNotification(permission);
  const storage = { getItem: (k: string) => stored[k] ?? null, setItem: (k: string, v: string) => void (stored[k] = v) };
  const onOpen = vi.fn();
  const notifier = createDesktopNotifier({ Notification: Fake, storage, userId: () => "u1", onOpen });
  return { notifier, made, onOpen, Fake, stored };
}

describe("notificationBody", () => {
  it("puts the body on one line and cuts a long one", () => {
    expect(notificationBody("  hello\n\nworld  ")).toBe("hello world");
    const long = notificationBody("word ".repeat(100));
    expect(long.length).toBeLessThanOrEqual(PREVIEW_MAX);
    expect(long.endsWith("…")).toBe(true);
  });
});

describe("desktop notifier", () => {
  it("shows the room, author and body, tagged per room, and only once per message", () => {
    const { notifier, made } = setup("granted");
    notifier.show(message("m1", "@alice ready?"), "#launch");
    notifier.show(message("m1", "@alice ready?"), "#launch");
    expect(made).toHaveLength(1);
    expect(made[0]!.title).toBe("bob in #launch");
    expect(made[0]!.options).toEqual({ body: "@alice ready?", tag: "parley-room-r1" });
  });

  it("names a direct message as one, not by a room", () => {
    const { notifier, made } = setup("granted");
    notifier.show(message("m1", "lunch?"));
    expect(made[0]!.title).toBe("bob (direct message)");
  });

  it("opens the room on a click and closes the notification", () => {
    const { notifier, made, onOpen } = setup("granted");
    notifier.show(message("m1", "hi", "r9"), "ops");
    const { note } = made[0]!;
    note.onclick?.call(note as unknown as Notification, new Event("click"));
    expect(onOpen).toHaveBeenCalledWith("r9");
    expect(note.close).toHaveBeenCalled();
  });

  it("shows nothing without permission", () => {
    const { notifier, made } = setup("default");
    notifier.show(message("m1"), "launch");
    expect(made).toHaveLength(0);
  });

  it("prompts only once offered, and asks the browser only from the prompt's button", async () => {
    const { notifier, Fake, made } = setup("default");
    expect(notifier.prompting()).toBe(false);
    notifier.offer();
    expect(notifier.prompting()).toBe(true);
    expect(Fake.requestPermission).not.toHaveBeenCalled();
    await notifier.enable();
    expect(Fake.requestPermission).toHaveBeenCalledOnce();
    expect(notifier.prompting()).toBe(false);
    notifier.show(message("m2"), "launch");
    expect(made).toHaveLength(1);
  });

  it("does not prompt again once dismissed on this device, nor when permission was decided", () => {
    const first = setup("default");
    first.notifier.offer();
    first.notifier.dismiss();
    expect(first.notifier.prompting()).toBe(false);
    const again = setup("default", first.stored);
    again.notifier.offer();
    expect(again.notifier.prompting()).toBe(false);
    const denied = setup("denied");
    denied.notifier.offer();
    expect(denied.notifier.prompting()).toBe(false);
  });
});
