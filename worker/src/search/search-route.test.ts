import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, signedInApp, TEST_SETTINGS, type InProcessFixture } from "../../../test/support/in-process.ts";

let fixture: InProcessFixture;

beforeAll(async () => {
  // Three searches a minute: the bad request is refused before it costs one.
  fixture = await signedInApp("seeker", { settings: { rates: { ...TEST_SETTINGS.rates, search: { max: 3, windowSeconds: 60 } } } });
  await call(fixture.parley, "POST", `/api/rooms/${fixture.roomId}/messages`, { token: fixture.token, body: { body: "lunch at noon" } });
});
afterAll(() => fixture.close());

const search = (q: string) => call(fixture.parley, "GET", `/api/search?${new URLSearchParams({ q })}`, { token: fixture.token });

describe("GET /api/search", () => {
  it("lets a parameter replace the operator of the same name, refuses an empty range, then limits each user's searches", async () => {
    const own = await call(fixture.parley, "GET", `/api/search?q=${encodeURIComponent("lunch from:nobody")}&from=seeker`, { token: fixture.token });
    expect(own.json.results.map((r: { message: { body: string } }) => r.message.body)).toEqual(["lunch at noon"]);
    const empty = await call(fixture.parley, "GET", "/api/search?q=lunch&after=2026-03-02&before=2026-03-01", { token: fixture.token });
    expect(empty.status).toBe(400);
    expect((await search("lunch")).status).toBe(200);
    expect((await search("lunch")).status).toBe(200);
    const refused = await search("lunch");
    expect(refused.status).toBe(429);
    expect(refused.json.error.code).toBe("rate_limited");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });
});
