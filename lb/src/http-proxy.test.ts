import { describe, expect, it } from "vitest";
import { isIdempotent, requestHeaders } from "./http-proxy.ts";
import { responseHeaders } from "./upstream.ts";

describe("requestHeaders", () => {
  it("keeps the client's headers, drops hop-by-hop ones and adds forwarding information", () => {
    const raw = ["Host", "chat.example", "Authorization", "Bearer t", "Connection", "keep-alive", "X-Forwarded-For", "6.6.6.6", "X-Request-Id", "old", "Content-Length", "2", "Accept", "a", "Accept", "b"];
    expect(requestHeaders(raw, "chat.example", { address: "1.2.3.4", forwardedFor: undefined, requestId: "rid" })).toEqual([
      "Authorization", "Bearer t", "Accept", "a", "Accept", "b",
      "X-Forwarded-For", "1.2.3.4", "X-Forwarded-Proto", "http", "X-Forwarded-Host", "chat.example", "X-Request-Id", "rid",
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
    const headers = { "content-type": "application/json", connection: "keep-alive", "keep-alive": "timeout=5", "transfer-encoding": "chunked", "set-cookie": ["a=1", "b=2"], "x-served-by": "w1" };
    expect(responseHeaders(headers)).toEqual(["content-type", "application/json", "set-cookie", "a=1", "set-cookie", "b=2", "x-served-by", "w1"]);
  });
});

describe("isIdempotent", () => {
  it("is true for reads and for POSTs that name their idempotency key", () => {
    expect(isIdempotent("GET", {}, undefined)).toBe(true);
    expect(isIdempotent("POST", { "idempotency-key": "k" }, undefined)).toBe(true);
    expect(isIdempotent("POST", {}, Buffer.from('{"clientId":"c1","body":"hi"}'))).toBe(true);
    expect(isIdempotent("POST", {}, Buffer.from('{"body":"hi"}'))).toBe(false);
    expect(isIdempotent("POST", {}, undefined)).toBe(false);
    expect(isIdempotent("DELETE", {}, undefined)).toBe(false);
  });
});
