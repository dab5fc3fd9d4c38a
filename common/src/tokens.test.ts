import { sign } from "hono/jwt";
import { describe, expect, it } from "vitest";
import { ManualClock } from "./clock.ts";
import { TokenIssuer } from "./tokens.ts";

const SECRET = "s".repeat(48);
const user = { id: "7d0c3f64-5a1c-4c55-9d1b-111111111111", username: "alice" };
const b64 = (value: object | string) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

describe("TokenIssuer", () => {
  const clock = new ManualClock(Date.now());
  const issuer = new TokenIssuer(SECRET, 900, clock);
  const now = () => Math.floor(clock.now() / 1000);
  const claims = () => ({ sub: user.id, name: user.username, iat: now(), exp: now() + 600, iss: "parley", aud: "parley" });

  it("accepts its own tokens and says who they are for", async () => {
    const { token, expiresAt } = await issuer.issue(user);
    expect(await issuer.verify(token)).toEqual(user);
    expect(Date.parse(expiresAt) - clock.now()).toBeLessThanOrEqual(900_000);
  });

  it("rejects tokens once they expire", async () => {
    const { token } = await issuer.issue(user);
    clock.advance(901_000);
    await expect(issuer.verify(token)).rejects.toMatchObject({ code: "unauthorized" });
  });

  const forged: Array<[string, () => Promise<string>]> = [
    ["alg none", async () => `${b64({ alg: "none", typ: "JWT" })}.${b64(claims())}.`],
    ["alg none with a signature", async () => `${b64({ alg: "none", typ: "JWT" })}.${b64(claims())}.${b64("sig")}`],
    ["a wrong key", () => sign(claims(), "w".repeat(48), "HS256")],
    ["HS512 instead of HS256", () => sign(claims(), SECRET, "HS512")],
    ["a missing exp", () => sign({ ...claims(), exp: undefined }, SECRET, "HS256")],
    ["a past exp", () => sign({ ...claims(), exp: now() - 1 }, SECRET, "HS256")],
    ["a future nbf", () => sign({ ...claims(), nbf: now() + 3600 }, SECRET, "HS256")],
    ["a wrong issuer", () => sign({ ...claims(), iss: "evil" }, SECRET, "HS256")],
    ["a wrong audience", () => sign({ ...claims(), aud: "other" }, SECRET, "HS256")],
    ["no subject", () => sign({ ...claims(), sub: undefined }, SECRET, "HS256")],
    [
      "a tampered payload",
      async () => {
        const [h, , s] = (await issuer.issue(user)).token.split(".");
        return `${h}.${b64({ ...claims(), sub: "someone-else" })}.${s}`;
      },
    ],
    [
      "an RS256 header over an HMAC signature (key confusion)",
      async () => {
        const good = await sign(claims(), SECRET, "HS256");
        const [, p, s] = good.split(".");
        return `${b64({ alg: "RS256", typ: "JWT" })}.${p}.${s}`;
      },
    ],
    [
      "an embedded jwk header",
      async () => {
        const attacker = "a".repeat(48);
        const header = b64({ alg: "HS256", typ: "JWT", jwk: { kty: "oct", k: Buffer.from(attacker).toString("base64url") } });
        const payload = b64(claims());
        const { createHmac } = await import("node:crypto");
        return `${header}.${payload}.${createHmac("sha256", attacker).update(`${header}.${payload}`).digest("base64url")}`;
      },
    ],
    [
      "a wrong typ",
      async () => {
        const header = b64({ alg: "HS256", typ: "at+jwt" });
        const payload = b64(claims());
        const { createHmac } = await import("node:crypto");
        return `${header}.${payload}.${createHmac("sha256", SECRET).update(`${header}.${payload}`).digest("base64url")}`;
      },
    ],
    ["garbage", async () => "not.a.token"],
    ["an oversized token", async () => "a".repeat(5000)],
  ];

  it.each(forged)("rejects a token with %s", async (_name, make) => {
    await expect(issuer.verify(await make())).rejects.toMatchObject({ code: "unauthorized" });
  });
});
