import { describe, expect, it } from "vitest";
import { FairHashQueue } from "./fair-hash-queue.ts";

/** A job that finishes when told to, recording the order jobs started in. */
function gate(started: string[], name: string) {
  let open!: () => void;
  const done = new Promise<void>((r) => (open = r));
  return { job: () => (started.push(name), done.then(() => name)), open };
}

describe("FairHashQueue", () => {
  it("takes turns between clients, so a flooding client waits behind its own jobs", async () => {
    const queue = new FairHashQueue(1, 100);
    const started: string[] = [];
    const gates = ["a1", "a2", "a3", "a4", "b1", "c1"].map((n) => gate(started, n));
    const results = gates.map((g, i) => queue.run(["a", "a", "a", "a", "b", "c"][i]!, g.job));
    for (const g of gates) {
      g.open();
      await new Promise((r) => setTimeout(r, 0));
    }
    expect(await Promise.all(results)).toEqual(["a1", "a2", "a3", "a4", "b1", "c1"]);
    // a1 was running when b and c arrived; then each client in turn.
    expect(started).toEqual(["a1", "a2", "b1", "c1", "a3", "a4"]);
  });

  it("runs at most `concurrency` jobs at once", async () => {
    const queue = new FairHashQueue(2, 100);
    const started: string[] = [];
    const gates = [1, 2, 3].map((n) => gate(started, `j${n}`));
    gates.forEach((g, i) => void queue.run(`client${i}`, g.job));
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toEqual(["j1", "j2"]);
    gates[0]!.open();
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toEqual(["j1", "j2", "j3"]);
  });

  it("refuses a client holding its share with 429 and Retry-After, and takes it again once one finishes", async () => {
    const queue = new FairHashQueue(1, 2);
    const started: string[] = [];
    const [one, two] = [gate(started, "1"), gate(started, "2")];
    const first = queue.run("a", one.job);
    void queue.run("a", two.job);
    await expect(queue.run("a", async () => "3")).rejects.toMatchObject({
      code: "rate_limited",
      retryAfter: 1,
      headers: { "RateLimit-Limit": "2", "RateLimit-Remaining": "0" },
    });
    expect(await Promise.race([queue.run("b", async () => "b"), new Promise((r) => setTimeout(() => r("waiting"), 20))])).toBe("waiting");
    one.open();
    await first;
    two.open();
    await new Promise((r) => setTimeout(r, 0));
    expect(await queue.run("a", async () => "again")).toBe("again");
  });

  it("passes a job's failure to its caller and keeps going", async () => {
    const queue = new FairHashQueue(1, 4);
    await expect(queue.run("a", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await queue.run("a", async () => "next")).toBe("next");
  });
});
