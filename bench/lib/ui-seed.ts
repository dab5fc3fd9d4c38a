/**
 * The rooms `npm run bench:ui` measures: a big room of `messages` from three people (runs by one
 * author, bodies of one to several lines) and a small one, both joined by the benchmarked user.
 * Posted over the REST API in parallel (the worker's MESSAGE_RATE lifted), as real sends are stored.
 */
import type { Room } from "@parley/protocol";
import { ApiClient } from "../../test/support/client.ts";
import { uniqueName } from "../../test/support/services.ts";

const WORDS = "the quick brown fox jumps over a lazy dog while everyone in the room keeps talking about release notes and lunch".split(" ");

/** A body of 3 to ~60 words, a second line now and then, so rows have different heights. */
export function benchBody(i: number): string {
  const words = Array.from({ length: 3 + ((i * 37) % 58) }, (_, k) => WORDS[(i + k * 7) % WORDS.length]).join(" ");
  return i % 11 === 0 ? `message ${i}: ${words}\nand a second line` : `message ${i}: ${words}`;
}

export interface SeededRooms {
  /** The benchmarked user's session, as the web UI keeps it in localStorage. */
  session: unknown;
  /** The other two people; `others[0]` sends the incoming messages. */
  others: ApiClient[];
  big: Room & { newestSeq: number };
  small: Room & { newestSeq: number };
  seedSeconds: number;
}

/** Runs `count` jobs, `parallel` at a time. */
async function inParallel(count: number, parallel: number, job: (i: number) => Promise<number>): Promise<number[]> {
  const results: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await job(i);
      }
    }),
  );
  return results;
}

/** Posts one message and returns its seq. */
async function post(client: ApiClient, roomId: string, body: string, clientId: string): Promise<number> {
  const res = await client.request("POST", `/api/rooms/${roomId}/messages`, { body, clientId });
  if (res.status !== 201) throw new Error(`post: ${res.status} ${res.text}`);
  return res.json.message.seq;
}

/** Sends one message as `client` and returns its seq (the incoming-message measurement). */
export const sendOne = (client: ApiClient, roomId: string, i: number) => post(client, roomId, `incoming ${i}: ${benchBody(i)}`, `in-${i}`);

/** Registers the three people, creates the two rooms and fills them. */
export async function seedRooms(baseUrl: string, messages: number, smallMessages = 20): Promise<SeededRooms> {
  const started = performance.now();
  const me = new ApiClient(baseUrl);
  const registered = await me.request("POST", "/api/auth/register", { username: uniqueName("ui"), password: "correct horse battery" });
  if (registered.status !== 201) throw new Error(`register: ${registered.status} ${registered.text}`);
  me.token = registered.json.token;
  const others = [new ApiClient(baseUrl), new ApiClient(baseUrl)];
  await Promise.all(others.map((client, i) => client.register(uniqueName(i === 0 ? "alice" : "bob"))));
  const big = await me.createRoom(uniqueName("bench_big"));
  const small = await me.createRoom(uniqueName("bench_small"));
  for (const client of others) for (const room of [big, small]) await client.join(room.id);
  const people = [me, ...others];
  // Runs of one to four messages by one author: consecutive rows group under one name.
  const author = (i: number) => people[Math.floor(i / (1 + (i % 4))) % people.length]!;
  const seqs = await inParallel(messages, 16, (i) => post(author(i), big.id, benchBody(i), `seed-${i}`));
  const smallSeqs = await inParallel(smallMessages, 4, (i) => post(author(i), small.id, benchBody(i), `seed-small-${i}`));
  return {
    session: registered.json,
    others,
    big: { ...big, newestSeq: Math.max(...seqs) },
    small: { ...small, newestSeq: Math.max(...smallSeqs) },
    seedSeconds: (performance.now() - started) / 1000,
  };
}
