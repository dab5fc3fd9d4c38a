import { describe, expect, it } from "vitest";
import type { Attachment, UploadOptions } from "../transport/file-transfer.ts";
import { ApiError } from "../transport/http-client.ts";
import { ATTACHMENTS_MAX, createUploadsStore, UPLOAD_MAX_BYTES } from "./upload-queue.ts";

/** An uploads store whose uploads wait until the test settles them. */
function setup() {
  const calls: { file: File; name: string; how: UploadOptions; resolve: (a: Attachment) => void; reject: (e: Error) => void }[] = [];
  const revoked: string[] = [];
  let made = 0;
  const store = createUploadsStore({
    upload: (file, name, how) => new Promise((resolve, reject) => calls.push({ file, name, how, resolve, reject })),
    urls: { createObjectURL: () => `blob:thumb-${++made}`, revokeObjectURL: (url) => void revoked.push(url) },
  });
  return { queue: store.queue("r1"), store, calls, revoked };
}
const file = (name: string, type = "image/png", bytes = 10) => new File([new Uint8Array(bytes)], name, { type });
const uploaded = (id: string, name: string): Attachment => ({ id, name, size: 10, contentType: "image/png", width: 4, height: 3 });

describe("the upload queue", () => {
  it("uploads each file at once with its progress, then holds the stored upload; Send waits for all", async () => {
    const { queue, calls } = setup();
    queue.add([file("cat.png"), file("notes.txt", "text/plain")]);
    expect(calls.map((c) => c.name)).toEqual(["cat.png", "notes.txt"]);
    expect(queue.items().map((i) => [i.status, i.thumbnail])).toEqual([
      ["uploading", "blob:thumb-1"],
      ["uploading", undefined],
    ]);
    expect(queue.busy()).toBe(true);
    expect(queue.ready()).toBe(false);

    calls[0]!.how.onProgress!(0.5);
    expect(queue.items()[0]!.progress).toBe(0.5);
    calls[0]!.resolve(uploaded("up1", "cat.png"));
    await Promise.resolve();
    expect(queue.items()[0]).toMatchObject({ status: "done", progress: 1, upload: { id: "up1" } });
    expect(queue.busy()).toBe(true);

    calls[1]!.resolve(uploaded("up2", "notes.txt"));
    await Promise.resolve();
    expect(queue.busy()).toBe(false);
    expect(queue.ready()).toBe(true);
  });

  it("shows the server's message for a refused file; a rate limit or a network failure can be retried, a bad type cannot", async () => {
    const { queue, calls } = setup();
    queue.add([file("page.html", "text/html"), file("a.png"), file("b.png")]);
    calls[0]!.reject(new ApiError(400, "invalid_request", "this file type is not allowed"));
    calls[1]!.reject(new ApiError(429, "rate_limited", "too many uploads", 12));
    calls[2]!.reject(new ApiError(0, "network", "Cannot reach the server."));
    await Promise.resolve();
    expect(queue.items().map((i) => [i.status, i.error, i.retryable])).toEqual([
      ["failed", "this file type is not allowed", false],
      ["failed", "Uploading too fast. Wait 12 seconds, then retry.", true],
      ["failed", "Cannot reach the server.", true],
    ]);
    expect(queue.busy()).toBe(false);
    expect(queue.ready()).toBe(false);

    queue.retry(queue.items()[0]!.key);
    queue.retry(queue.items()[1]!.key);
    expect(calls.map((c) => c.name)).toEqual(["page.html", "a.png", "b.png", "a.png"]);
    expect(queue.items()[1]).toMatchObject({ status: "uploading", error: undefined });
  });

  it("refuses a file over the limit without sending it", () => {
    const { queue, calls } = setup();
    const big = file("huge.zip", "application/zip");
    Object.defineProperty(big, "size", { value: UPLOAD_MAX_BYTES + 1 });
    queue.add([big]);
    expect(calls).toEqual([]);
    expect(queue.items()[0]).toMatchObject({ status: "failed", error: "Files can be at most 25 MB.", retryable: false });
  });

  it("removing a file cancels its upload, revokes its thumbnail, and a late answer changes nothing", async () => {
    const { queue, calls, revoked } = setup();
    queue.add([file("cat.png")]);
    const signal = calls[0]!.how.signal!;
    queue.remove(queue.items()[0]!.key);
    expect(signal.aborted).toBe(true);
    expect(revoked).toEqual(["blob:thumb-1"]);
    calls[0]!.resolve(uploaded("up1", "cat.png"));
    await Promise.resolve();
    expect(queue.items()).toEqual([]);
  });

  it("takes at most the files a message can carry", () => {
    const { queue, calls } = setup();
    const files = Array.from({ length: ATTACHMENTS_MAX + 2 }, (_, n) => file(`f${n}.png`));
    expect(queue.add(files)).toBe(`A message can carry at most ${ATTACHMENTS_MAX} files.`);
    expect(calls).toHaveLength(ATTACHMENTS_MAX);
    expect(queue.add([file("more.png")])).toBe(`A message can carry at most ${ATTACHMENTS_MAX} files.`);
    expect(queue.notice()).toBe(`A message can carry at most ${ATTACHMENTS_MAX} files.`);
    queue.remove(queue.items()[0]!.key);
    expect(queue.notice()).toBeUndefined();
  });

  it("take() hands over the uploaded files and empties the queue; each composer has its own", async () => {
    const { store, queue, calls, revoked } = setup();
    queue.add([file("cat.png")]);
    store.queue("thread:m1").add([file("dog.png")]);
    calls[0]!.resolve(uploaded("up1", "cat.png"));
    await Promise.resolve();
    expect(queue.take().map((t) => [t.attachment.id, t.file.name])).toEqual([["up1", "cat.png"]]);
    expect(queue.items()).toEqual([]);
    expect(revoked).toEqual(["blob:thumb-1"]);
    expect(
      store
        .queue("thread:m1")
        .items()
        .map((i) => i.file.name),
    ).toEqual(["dog.png"]);
  });
});
