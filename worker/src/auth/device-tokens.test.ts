import { sign } from "hono/jwt";
import { describe, expect, it } from "vitest";
import { ManualClock } from "@parley/common";
import { DEVICE_TTL_SECONDS, DeviceTokens } from "./device-tokens.ts";
import { TokenIssuer } from "@parley/common";

const SECRET = "s".repeat(48);
const alice = "7d0c3f64-5a1c-4c55-9d1b-111111111111";
const bob = "7d0c3f64-5a1c-4c55-9d1b-222222222222";

describe("DeviceTokens", () => {
  const clock = new ManualClock(Date.now());
  const devices = new DeviceTokens(SECRET, clock);
  const now = () => Math.floor(clock.now() / 1000);

  it("trusts its own token for the account it was issued to, and names the device", async () => {
    const token = await devices.issue(alice);
    const [claims, ...rest] = await devices.read(token);
    expect(rest).toEqual([]);
    expect(claims!.userId).toBe(alice);
    expect(claims!.deviceId).toMatch(/^[0-9a-f-]{36}$/);
    const other = (await devices.read(await devices.issue(alice)))[0]!;
    expect(other.deviceId).not.toBe(claims!.deviceId);
  });

  it("stops trusting a device once its token expires", async () => {
    const token = await devices.issue(alice);
    clock.advance((DEVICE_TTL_SECONDS - 60) * 1000);
    expect(await devices.read(token)).toHaveLength(1);
    clock.advance(61_000);
    expect(await devices.read(token)).toEqual([]);
  });

  it("keeps one token per account in a cookie, newest first, at most four", async () => {
    let cookie = await devices.renew(undefined, alice);
    cookie = await devices.renew(cookie, bob);
    cookie = await devices.renew(cookie, alice);
    expect((await devices.read(cookie)).map((c) => c.userId)).toEqual([alice, bob]);
    for (let i = 0; i < 5; i++) cookie = await devices.renew(cookie, crypto.randomUUID());
    expect(await devices.read(cookie)).toHaveLength(4);
    expect((await devices.read(cookie)).map((c) => c.userId)).not.toContain(alice);
  });

  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const claims = () => ({ sub: alice, jti: crypto.randomUUID(), iat: now(), exp: now() + 3600, aud: "parley-device" });
  const forged: Array<[string, () => Promise<string>]> = [
    ["signed with the JWT secret itself (not the derived key)", () => sign(claims(), SECRET, "HS256")],
    ["signed with another secret's device key", () => new DeviceTokens("o".repeat(48), clock).issue(alice)],
    ["an access token", async () => (await new TokenIssuer(SECRET, 900, clock).issue({ id: alice, username: "alice" })).token],
    ["alg none", async () => `${b64({ alg: "none", typ: "JWT" })}.${b64(claims())}.`],
    [
      "a tampered subject",
      async () => {
        const [h, , s] = (await devices.issue(bob)).split(".");
        return `${h}.${b64({ ...claims(), sub: alice })}.${s}`;
      },
    ],
    ["garbage", async () => "not-a-token"],
  ];

  it.each(forged)("does not trust %s", async (_name, make) => {
    expect(await devices.read(await make())).toEqual([]);
  });

  it("is not accepted as an access token", async () => {
    const issuer = new TokenIssuer(SECRET, 900, clock);
    await expect(issuer.verify(await devices.issue(alice))).rejects.toMatchObject({ code: "unauthorized" });
  });
});
