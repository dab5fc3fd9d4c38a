import { describe, expect, it } from "vitest";
import { isIdempotent, originForm, requestHeaders } from "./http-proxy.ts";
import { responseHeaders } from "./upstream.ts";

describe("requestHeaders", () => {
  it("keeps the client's headers, drops hop-by-hop ones and adds forwarding information", () => {
    const raw = [
      "Host",
      "chat.example",
      "Authorization",
      "Bearer t",
      "Connection",
      "keep-alive",
      "X-Forwarded-For",
      "6.6.6.6",
      "X-Request-Id",
      "old",
      "Content-Length",
      "2",
      "Accept",
      "a",
      "Accept",
      "b",
    ];
    expect(requestHeaders(raw, "chat.example", { address: "1.2.3.4", forwardedFor: undefined, requestId: "rid" })).toEqual([
      "Authorization",
      "Bearer t",
      "Accept",
      "a",
      "Accept",
      "b",
      "X-Forwarded-For",
      "1.2.3.4",
      "X-Forwarded-Proto",
      "http",
      "X-Forwarded-Host",
      "chat.example",
      "X-Request-Id",
      "rid",
    ]);
  });

  it("appends the client's address to a trusted X-Forwarded-For", () => {
    const headers = requestHeaders([], undefined, { address: "1.2.3.4", forwardedFor: "9.9.9.9", requestId: "r" });
    expect(headers.slice(0, 2)).toEqual(["X-Forwarded-For", "9.9.9.9, 1.2.3.4"]);
    expect(headers).not.toContain("X-Forwarded-Host");
  });
});

describe("responseHeaders", () => {
  it("drops hop-by-hop response headers and spreads repeated ones", () => {
    const headers = {
      "content-type": "application/json",
      connection: "keep-alive",
      "keep-alive": "timeout=5",
      "transfer-encoding": "chunked",
      "set-cookie": ["a=1", "b=2"],
      "x-served-by": "w1",
    };
    expect(responseHeaders(headers)).toEqual(["content-type", "application/json", "set-cookie", "a=1", "set-cookie", "b=2", "x-served-by", "w1"]);
  });
});

describe("isIdempotent", () => {
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));

  it("is true for reads, for POSTs with an Idempotency-Key, and for message POSTs with a clientId", () => {
    expect(isIdempotent("GET", "/api/rooms", {}, undefined)).toBe(true);
    expect(isIdempotent("OPTIONS", "/api/rooms", {}, undefined)).toBe(true);
    expect(isIdempotent("POST", "/api/rooms", { "idempotency-key": "k" }, undefined)).toBe(true);
    expect(isIdempotent("POST", "/api/rooms/r1/messages", {}, json({ clientId: "c1", body: "hi" }))).toBe(true);
    expect(isIdempotent("POST", "/api/rooms/r1/messages?x=1", {}, json({ clientId: "c1", body: "hi" }))).toBe(true);
  });

  it("is false for a clientId on any other route: nothing there dedupes by it", () => {
    expect(isIdempotent("POST", "/api/rooms", {}, json({ name: "general", clientId: "c1" }))).toBe(false);
    expect(isIdempotent("POST", "/api/auth/register", {}, json({ username: "ada", password: "pw", clientId: "c1" }))).toBe(false);
    expect(isIdempotent("POST", "/api/rooms/r1/join", {}, json({ clientId: "c1" }))).toBe(false);
    expect(isIdempotent("POST", "/api/rooms/r1/messages/x", {}, json({ clientId: "c1" }))).toBe(false);
  });

  it("is false for other POSTs and other methods", () => {
    expect(isIdempotent("POST", "/api/rooms/r1/messages", {}, json({ body: "hi" }))).toBe(false);
    expect(isIdempotent("POST", "/api/rooms/r1/messages", {}, json({ clientId: "", body: "hi" }))).toBe(false);
    expect(isIdempotent("POST", "/api/rooms/r1/messages", {}, Buffer.from("not json"))).toBe(false);
    expect(isIdempotent("POST", "/api/rooms", {}, undefined)).toBe(false);
    expect(isIdempotent("DELETE", "/api/rooms", { "idempotency-key": "k" }, undefined)).toBe(false);
  });
});

describe("originForm", () => {
  it("keeps origin-form targets and reduces absolute ones to path and query", () => {
    expect(originForm("/api/me?x=1")).toBe("/api/me?x=1");
    expect(originForm("http://chat.example/api/me?x=1")).toBe("/api/me?x=1");
  });

  it("refuses a target that is no URL with 400 invalid_request", () => {
    expect(() => originForm("http://[")).toThrow(expect.objectContaining({ code: "invalid_request", status: 400 }));
  });
});
