import type { Message } from "@parley/protocol";
import { describe, expect, it } from "vitest";
import { AppendBatcher, type AppendWriter } from "./append-batcher.ts";
import type { NewMessage } from "./store.ts";

const user = { id: "u1", username: "alice" };
const newMessage = (roomId: string, body: string): NewMessage => ({ id: crypto.randomUUID(), roomId, user, body, clientId: null, createdAt: new Date(0) });
const asStored = ({ attachments: _, ...m }: NewMessage, seq: number): Message => ({ ...m, seq, createdAt: m.createdAt.toISOString() });

/** A writer whose statements wait until the test releases them; records each call. */
function fakeWriter(fail: (call: string[]) => unknown = () => null) {
  const calls: Array<{ kind: "one" | "many"; bodies: string[] }> = [];
  const gates: Array<() => void> = [];
  const seqs = new Map<string, number>();
  const wait = () => new Promise<void>((resolve) => gates.push(resolve));
  const writer: AppendWriter = {
    async one(m) {
      calls.push({ kind: "one", bodies: [m.body] });
      await wait();
      const error = fail([m.body]);
      if (error) throw error;
      const seq = (seqs.get(m.roomId) ?? 0) + 1;
      seqs.set(m.roomId, seq);
      return { message: asStored(m, seq), created: true };
    },
    async many(roomId, batch) {
      calls.push({ kind: "many", bodies: batch.map((m) => m.body) });
      await wait();
      const error = fail(batch.map((m) => m.body));
      if (error) throw error;
      const base = seqs.get(roomId) ?? 0;
      seqs.set(roomId, base + batch.length);
      return batch.map((m, i) => asStored(m, base + i + 1));
    },
    isPerMessageError: (error) => (error as { code?: string }).code === "23505",
  };
  /** Lets every statement waiting now finish, and waits for what they set off. */
  const release = async () => {
    for (const open of gates.splice(0)) open();
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  return { writer, calls, release, pending: () => gates.length };
}

describe("AppendBatcher", () => {
  it("sends the first message at once and the ones that arrive meanwhile together, in call order", async () => {
    const fake = fakeWriter();
    const batcher = new AppendBatcher(fake.writer);
    const results = ["a", "b", "c", "d"].map((body) => batcher.append(newMessage("r1", body)));
    expect(fake.calls).toEqual([{ kind: "one", bodies: ["a"] }]);
    await fake.release();
    expect(fake.calls[1]).toEqual({ kind: "many", bodies: ["b", "c", "d"] });
    await fake.release();
    expect((await Promise.all(results)).map((r) => [r.message.body, r.message.seq, r.created])).toEqual([
      ["a", 1, true],
      ["b", 2, true],
      ["c", 3, true],
      ["d", 4, true],
    ]);
  });

  it("writes different rooms at the same time", async () => {
    const fake = fakeWriter();
    const batcher = new AppendBatcher(fake.writer);
    const results = [batcher.append(newMessage("r1", "x")), batcher.append(newMessage("r2", "y"))];
    expect(fake.pending()).toBe(2);
    await fake.release();
    expect((await Promise.all(results)).map((r) => r.message.seq)).toEqual([1, 1]);
  });

  it("caps a batch by count and by body size, keeping at least one message", async () => {
    const fake = fakeWriter();
    const batcher = new AppendBatcher(fake.writer, { maxMessages: 3, maxBodyChars: 10 });
    const bodies = ["first", "a", "b", "c", "d", "long body!!", "e", "f"];
    const results = Promise.all(bodies.map((body) => batcher.append(newMessage("r1", body))));
    while (fake.pending()) await fake.release();
    await results;
    expect(fake.calls.map((c) => c.bodies)).toEqual([["first"], ["a", "b", "c"], ["d"], ["long body!!"], ["e", "f"]]);
  });

  it("rejects every send of a batch with the batch's error, unchanged, and goes on", async () => {
    const outage = Object.assign(new Error("write CONNECTION_CLOSED"), { code: "CONNECTION_CLOSED" });
    const fake = fakeWriter((bodies) => (bodies.includes("b") ? outage : null));
    const batcher = new AppendBatcher(fake.writer);
    const first = batcher.append(newMessage("r1", "a"));
    const failed = Promise.allSettled(["b", "c"].map((body) => batcher.append(newMessage("r1", body))));
    await fake.release();
    const later = batcher.append(newMessage("r1", "d"));
    await fake.release();
    expect((await failed).map((o) => o.status === "rejected" && o.reason)).toEqual([outage, outage]);
    expect((await failed).every((o) => o.status === "rejected" && o.reason === outage)).toBe(true);
    await fake.release();
    expect((await first).message.seq).toBe(1);
    expect((await later).message.seq).toBe(2);
  });

  it("retries a batch one message at a time after a per-message error", async () => {
    const duplicate = Object.assign(new Error("duplicate key"), { code: "23505" });
    const fake = fakeWriter((bodies) => (bodies.length > 1 ? duplicate : bodies[0] === "bad" ? new Error("bad message") : null));
    const batcher = new AppendBatcher(fake.writer);
    const outcomes = Promise.allSettled(["a", "b", "bad", "c"].map((body) => batcher.append(newMessage("r1", body))));
    while (fake.pending()) await fake.release();
    const settled = await outcomes;
    expect(fake.calls.map((c) => `${c.kind}:${c.bodies.join(",")}`)).toEqual(["one:a", "many:b,bad,c", "one:b", "one:bad", "one:c"]);
    expect(settled.map((o) => (o.status === "fulfilled" ? o.value.message.seq : (o.reason as Error).message))).toEqual([1, 2, "bad message", 3]);
  });
});
