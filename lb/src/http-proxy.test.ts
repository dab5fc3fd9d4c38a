import { describe, expect, it } from "vitest";
import { isIdempotent, requestHead, responseHeaders } from "./http-proxy.ts";

describe("requestHead", () => {
  it("keeps the client's headers, drops hop-by-hop ones and sets Host and forwarding information", () => {
    const raw = ["Host", "chat.example", "Authorization", "Bearer t", "Connection", "keep-alive", "X-Forwarded-For", "6.6.6.6", "X-Request-Id", "old", "Accept", "a", "Accept", "b"];
    const head = requestHead("POST", "/api/rooms?x=1", raw, "127.0.0.1:8001", "chat.example", { address: "1.2.3.4", forwardedFor: undefined, requestId: "rid", body: Buffer.from("{}") });
    expect(head).toBe(
      "POST /api/rooms?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8001\r\nAuthorization: Bearer t\r\nAccept: a\r\nAccept: b\r\n" +
        "X-Forwarded-For: 1.2.3.4\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: chat.example\r\nX-Request-Id: rid\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n",
    );
  });

  it("appends the client's address to a trusted X-Forwarded-For", () => {
    const head = requestHead("GET", "/", [], "w:1", undefined, { address: "1.2.3.4", forwardedFor: "9.9.9.9", requestId: "r", body: undefined });
    expect(head).toContain("X-Forwarded-For: 9.9.9.9, 1.2.3.4\r\n");
    expect(head).not.toContain("Content-Length");
  });
});

describe("responseHeaders", () => {
  it("drops hop-by-hop response headers whatever their case", () => {
    expect(responseHeaders(["Content-Type", "application/json", "Connection", "keep-alive", "Keep-Alive", "timeout=5", "Transfer-Encoding", "chunked", "x-served-by", "w1"])).toEqual([
      "Content-Type", "application/json", "x-served-by", "w1",
    ]);
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
