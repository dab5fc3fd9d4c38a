import { describe, expect, it } from "vitest";
import { StoreTimeout, withDeadline, type Store } from "./store.ts";

describe("withDeadline", () => {
  const never = () => new Promise<never>(() => {});
  const fake = { ping: never, lastSeqs: async () => new Map([["r", 3]]) } as unknown as Store;

  it("fails a call the database does not answer in time, with a retriable code", async () => {
    const started = performance.now();
    const error = await withDeadline(fake, 50)
      .ping()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreTimeout);
    expect(error).toMatchObject({ code: "ETIMEDOUT", message: expect.stringContaining("ping within 50 ms") });
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });

  it("passes answers through unchanged", async () => {
    expect(await withDeadline(fake, 1000).lastSeqs(["r"])).toEqual(new Map([["r", 3]]));
  });

  it("passes the store's own errors through", async () => {
    const failing = { ping: async () => Promise.reject(new Error("boom")) } as unknown as Store;
    await expect(withDeadline(failing, 1000).ping()).rejects.toThrow("boom");
  });
});
