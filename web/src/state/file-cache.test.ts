import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createFileCache } from "./file-cache.ts";

function setup() {
  const fetched: string[] = [];
  const revoked: string[] = [];
  let made = 0;
  const answers = new Map<string, Promise<Blob>>();
  const cache = createFileCache({
    download: (id) => (fetched.push(id), answers.get(id) ?? Promise.resolve(new Blob([id]))),
    urls: { createObjectURL: () => `blob:${++made}`, revokeObjectURL: (url) => void revoked.push(url) },
    graceMs: 1000,
  });
  return { cache, fetched, revoked, answers };
}

describe("the file cache", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("fetches a file once for every view holding it, and revokes its URL a while after the last lets go", async () => {
    const { cache, fetched, revoked } = setup();
    const a = cache.use("up1");
    const b = cache.use("up1");
    await vi.advanceTimersByTimeAsync(0);
    expect(fetched).toEqual(["up1"]);
    expect([a.url(), b.url()]).toEqual(["blob:1", "blob:1"]);

    a.release();
    a.release();
    await vi.advanceTimersByTimeAsync(5000);
    expect(revoked).toEqual([]);
    b.release();
    await vi.advanceTimersByTimeAsync(999);
    expect(revoked).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(revoked).toEqual(["blob:1"]);

    const c = cache.use("up1");
    await vi.advanceTimersByTimeAsync(0);
    expect(fetched).toEqual(["up1", "up1"]);
    expect(c.url()).toBe("blob:2");
  });

  it("a row scrolled away and back within the grace period keeps the same URL, fetched once", async () => {
    const { cache, fetched, revoked } = setup();
    cache.use("up1").release();
    await vi.advanceTimersByTimeAsync(500);
    const again = cache.use("up1");
    await vi.advanceTimersByTimeAsync(5000);
    expect(fetched).toEqual(["up1"]);
    expect(revoked).toEqual([]);
    expect(again.url()).toBe("blob:1");
  });

  it("says why a file could not be loaded, and the next view tries again", async () => {
    const { cache, fetched, answers } = setup();
    answers.set("gone", Promise.reject(new Error("not found")));
    const held = cache.use("gone");
    await vi.advanceTimersByTimeAsync(0);
    expect(held.error()).toBe("not found");
    expect(held.url()).toBeUndefined();
    answers.delete("gone");
    const next = cache.use("gone");
    await vi.advanceTimersByTimeAsync(0);
    expect(fetched).toEqual(["gone", "gone"]);
    expect(next.url()).toBe("blob:1");
  });

  it("shows our own upload from the bytes we sent, without fetching it back", async () => {
    const { cache, fetched } = setup();
    cache.seed("up9", new Blob(["png"]));
    const held = cache.use("up9");
    await vi.advanceTimersByTimeAsync(0);
    expect(held.url()).toBe("blob:1");
    expect(await (await cache.blob("up9")).text()).toBe("png");
    expect(fetched).toEqual([]);
  });
});
