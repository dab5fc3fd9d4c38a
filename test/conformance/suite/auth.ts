import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ApiClient } from "../../support/client.ts";
import { uniqueName } from "../../support/services.ts";
import { type SuiteContext, expectError } from "./support.ts";

export function authTests({ first }: SuiteContext) {
  describe("auth", () => {
    it("registers with 201 {user, token}; the token is an HS256 JWT naming the user", async () => {
      const username = uniqueName("Reg");
      const res = await new ApiClient(first()).request("POST", "/api/auth/register", { username, password: "correct horse battery" });
      expect(res.status, res.text).toBe(201);
      expect(res.json).toMatchObject({ user: { id: expect.any(String), username }, token: expect.any(String) });
      const [header, payload] = res.json.token
        .split(".")
        .slice(0, 2)
        .map((part: string) => JSON.parse(Buffer.from(part, "base64url").toString()));
      expect(header.alg).toBe("HS256");
      expect(payload).toMatchObject({ sub: res.json.user.id, name: username, exp: expect.any(Number) });
      expect(payload.exp * 1000).toBeGreaterThan(Date.now());
    });

    it("answers 409 for a username taken in another case", async () => {
      const username = uniqueName("Case");
      await new ApiClient(first()).register(username);
      const res = await new ApiClient(first()).request("POST", "/api/auth/register", { username: username.toUpperCase(), password: "correct horse battery" });
      expectError(res, 409, "conflict");
    });

    it("logs in with 200 {user, token}, whatever case the username is typed in", async () => {
      const username = uniqueName("Login");
      const user = await new ApiClient(first()).register(username, "a good password");
      for (const typed of [username, username.toLowerCase()]) {
        const res = await new ApiClient(first()).request("POST", "/api/auth/login", { username: typed, password: "a good password" });
        expect(res.status, res.text).toBe(200);
        expect(res.json).toMatchObject({ user, token: expect.any(String) });
        const me = await new ApiClient(first(), res.json.token).request("GET", "/api/me");
        // The server's first user is also its admin (`admin: true`): whoever that is here.
        expect(me.json.user).toEqual(user);
      }
    });

    it("answers 401 with the same body for a wrong password and an unknown user", async () => {
      const username = uniqueName();
      await new ApiClient(first()).register(username, "the right password");
      const wrong = await new ApiClient(first()).request("POST", "/api/auth/login", { username, password: "the wrong password" });
      const unknown = await new ApiClient(first()).request("POST", "/api/auth/login", { username: uniqueName("nobody"), password: "the wrong password" });
      expectError(wrong, 401, "unauthorized");
      expectError(unknown, 401, "unauthorized");
      expect(unknown.text).toBe(wrong.text);
    });

    it("GET /api/me answers {user} for the token's user", async () => {
      const api = new ApiClient(first());
      const user = await api.register(uniqueName());
      const res = await api.request("GET", "/api/me");
      expect(res.status).toBe(200);
      expect(res.json.user).toEqual(user);
    });

    it("rotates the refresh token: single use, and a reused one revokes its whole session (extension)", async () => {
      const username = uniqueName("Rot");
      const signIn = await new ApiClient(first()).request("POST", "/api/auth/register", { username, password: "correct horse battery" });
      const { user, refreshToken } = signIn.json;
      expect(refreshToken).toEqual(expect.any(String));
      const api = new ApiClient(first());
      const res = await api.request("POST", "/api/auth/refresh", { refreshToken });
      expect(res.status, res.text).toBe(200);
      expect(res.json).toMatchObject({ user, token: expect.any(String), expiresAt: expect.any(String), refreshToken: expect.any(String) });
      expect((await new ApiClient(first(), res.json.token).request("GET", "/api/me")).json.user).toEqual(user);
      // The old refresh token again: the family is revoked, the rotated pair with it.
      expectError(await api.request("POST", "/api/auth/refresh", { refreshToken }), 401, "unauthorized");
      expectError(await api.request("POST", "/api/auth/refresh", { refreshToken: res.json.refreshToken }), 401, "unauthorized");
      expectError(await new ApiClient(first(), res.json.token).request("GET", "/api/me"), 401, "unauthorized");
    });

    it("still refreshes the deprecated way (Bearer, no body), once per access token (extension)", async () => {
      const api = new ApiClient(first());
      const user = await api.register(uniqueName());
      const res = await api.request("POST", "/api/auth/refresh");
      expect(res.status, res.text).toBe(200);
      expect(res.headers.get("deprecation")).toBe("true");
      expect(res.json).toMatchObject({ user, token: expect.any(String) });
      expect((await new ApiClient(first(), res.json.token).request("GET", "/api/me")).json.user).toEqual(user);
      expectError(await api.request("GET", "/api/me"), 401, "unauthorized");
    });

    it("signs out everywhere and on password change (extension)", async () => {
      const username = uniqueName("All");
      const one = new ApiClient(first());
      await one.register(username);
      const login = () => new ApiClient(first()).request("POST", "/api/auth/login", { username, password: "correct horse battery" });
      const two = new ApiClient(first(), (await login()).json.token);
      expect((await one.request("POST", "/api/auth/logout-all")).status).toBe(200);
      for (const api of [one, two]) expectError(await api.request("GET", "/api/me"), 401, "unauthorized");

      const three = new ApiClient(first(), (await login()).json.token);
      const four = new ApiClient(first(), (await login()).json.token);
      const changed = await three.request("POST", "/api/auth/password", { currentPassword: "correct horse battery", newPassword: "another good one" });
      expect(changed.status, changed.text).toBe(200);
      for (const api of [three, four]) expectError(await api.request("GET", "/api/me"), 401, "unauthorized");
      expect((await new ApiClient(first(), changed.json.token).request("GET", "/api/me")).status).toBe(200);
    });

    it("answers 401 without a token, with garbage and with a tampered token", async () => {
      const api = new ApiClient(first());
      await api.register(uniqueName());
      const [header, payload, signature] = api.token!.split(".") as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
      const forgedPayload = Buffer.from(JSON.stringify({ ...claims, sub: randomUUID(), name: "admin" })).toString("base64url");
      const flipped = signature.slice(0, 10) + (signature[10] === "A" ? "B" : "A") + signature.slice(11);
      const authorizations: Array<string | undefined> = [
        undefined,
        "Bearer garbage",
        "Bearer not.a.jwt",
        `Bearer ${header}.${forgedPayload}.${signature}`,
        `Bearer ${header}.${payload}.${flipped}`,
        `Basic ${api.token}`,
      ];
      for (const authorization of authorizations) {
        const res = await new ApiClient(first()).request("GET", "/api/me", undefined, authorization ? { authorization } : {});
        expectError(res, 401, "unauthorized");
      }
    });

    it("counts passwords in UTF-8 bytes: 8–72", async () => {
      const register = (password: string) => new ApiClient(first()).request("POST", "/api/auth/register", { username: uniqueName(), password });
      expectError(await register("x".repeat(73)), 400, "invalid_request");
      expectError(await register("é".repeat(37)), 400, "invalid_request"); // 37 characters, 74 bytes
      expectError(await register("😀".repeat(19)), 400, "invalid_request"); // 19 code points, 76 bytes
      expectError(await register("x".repeat(7)), 400, "invalid_request");
      const ok = await Promise.all([register("x".repeat(72)), register("é".repeat(36)), register("€".repeat(24)), register("éééé")]);
      expect(ok.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    });

    it("answers 400 for usernames outside [a-zA-Z0-9_.-]{3,32}", async () => {
      for (const username of ["has space", "slash/name", "ünïcode", "semi;colon", "ab", "x".repeat(33), "", 42]) {
        const res = await new ApiClient(first()).request("POST", "/api/auth/register", { username, password: "correct horse battery" });
        expectError(res, 400, "invalid_request");
      }
    });

    it("answers 400 for a body that is not JSON or not sent as application/json", async () => {
      const api = new ApiClient(first());
      const credentials = JSON.stringify({ username: uniqueName(), password: "correct horse battery" });
      expectError(await api.request("POST", "/api/auth/register", "{not json"), 400, "invalid_request");
      expectError(await api.request("POST", "/api/auth/register", credentials, { "content-type": "text/plain" }), 400, "invalid_request");
      expectError(await api.request("POST", "/api/auth/register", "[]"), 400, "invalid_request");
      expectError(await api.request("POST", "/api/auth/login", "null"), 400, "invalid_request");
    });

    it("answers 413 for a body over 64 KiB, with or without Content-Length", async () => {
      const api = new ApiClient(first());
      const big = JSON.stringify({ username: uniqueName(), password: "x".repeat(70 * 1024) });
      expectError(await api.request("POST", "/api/auth/register", big), 413, "too_large");
      const chunked = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 5; i++) controller.enqueue(new TextEncoder().encode(big.slice(i * 15_000, (i + 1) * 15_000)));
          controller.close();
        },
      });
      const res = await fetch(first() + "/api/auth/register", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: chunked,
        duplex: "half",
      } as RequestInit);
      expectError({ status: res.status, json: await res.json() }, 413, "too_large");
    });
  });
}
