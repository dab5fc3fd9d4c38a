import { describe, expect, it } from "vitest";
import { FileTransfer, type XhrLike } from "./file-transfer.ts";

/** A fake XMLHttpRequest answering each request with the next of `answers` (status, body). */
function fakeXhr(answers: [number, unknown][]) {
  const sent: { url: string; headers: Record<string, string>; body: Blob }[] = [];
  class Xhr implements XhrLike {
    status = 0;
    responseText = "";
    upload = { onprogress: null as XhrLike["upload"]["onprogress"] };
    onload: (() => void) | null = null;
    onerror: (() => void) | null = null;
    onabort: (() => void) | null = null;
    private request = { url: "", headers: {} as Record<string, string> };
    open = (_method: string, url: string) => void (this.request.url = url);
    setRequestHeader = (name: string, value: string) => void (this.request.headers[name] = value);
    getResponseHeader = (name: string) => (name === "retry-after" && this.status === 429 ? "7" : null);
    abort = () => this.onabort?.();
    send(body: Blob) {
      sent.push({ ...this.request, body });
      const [status, answer] = answers.shift() ?? [0, undefined];
      queueMicrotask(() => {
        if (status === 0) return this.onerror?.();
        this.upload.onprogress?.({ loaded: body.size / 2, total: body.size, lengthComputable: true });
        this.status = status;
        this.responseText = JSON.stringify(answer);
        this.onload?.();
      });
    }
  }
  return { Xhr, sent };
}
const stored = { id: "up1", name: "cat photo.png", size: 4, contentType: "image/png", width: 2, height: 1 };
const file = new File([new Uint8Array(4)], "cat photo.png", { type: "image/png" });

describe("FileTransfer uploads", () => {
  it("posts the raw bytes with their type, the name in ?name= and the token; reports progress; answers the upload", async () => {
    const { Xhr, sent } = fakeXhr([[201, { upload: stored }]]);
    const progress: number[] = [];
    const transfer = new FileTransfer({ token: () => "t1", XMLHttpRequest: Xhr });
    expect(await transfer.upload(file, file.name, { onProgress: (p) => progress.push(p) })).toEqual(stored);
    expect(sent).toEqual([{ url: "/api/uploads?name=cat%20photo.png", headers: { authorization: "Bearer t1", "content-type": "image/png" }, body: file }]);
    expect(progress).toEqual([0.5]);
  });

  it("renews a token that ran out and sends again once; a second 401 ends the session", async () => {
    let token = "old";
    let ended = 0;
    const { Xhr, sent } = fakeXhr([
      [401, { error: { code: "unauthorized", message: "expired" } }],
      [201, { upload: stored }],
      [401, { error: { code: "unauthorized", message: "expired" } }],
      [401, { error: { code: "unauthorized", message: "expired" } }],
    ]);
    const transfer = new FileTransfer({ token: () => token, XMLHttpRequest: Xhr, renew: async () => ((token = "new"), true), onUnauthorized: () => ended++ });
    expect((await transfer.upload(file, file.name)).id).toBe("up1");
    expect(sent.map((s) => s.headers.authorization)).toEqual(["Bearer old", "Bearer new"]);
    await expect(transfer.upload(file, file.name)).rejects.toMatchObject({ status: 401 });
    expect(ended).toBe(1);
  });

  it("rejects with the server's code and message, Retry-After, or a network error", async () => {
    const { Xhr } = fakeXhr([
      [413, { error: { code: "too_large", message: "files can be at most 25 MiB" } }],
      [429, { error: { code: "rate_limited", message: "slow down" } }],
      [0, undefined],
    ]);
    const transfer = new FileTransfer({ token: () => "t1", XMLHttpRequest: Xhr });
    await expect(transfer.upload(file, "a")).rejects.toMatchObject({ status: 413, code: "too_large", message: "files can be at most 25 MiB" });
    await expect(transfer.upload(file, "a")).rejects.toMatchObject({ status: 429, code: "rate_limited", retryAfter: 7 });
    await expect(transfer.upload(file, "a")).rejects.toMatchObject({ status: 0, code: "network" });
  });

  it("an aborted upload rejects as cancelled", async () => {
    const { Xhr } = fakeXhr([[201, { upload: stored }]]);
    const controller = new AbortController();
    const transfer = new FileTransfer({ token: () => "t1", XMLHttpRequest: Xhr });
    const pending = transfer.upload(file, "a", { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: "aborted" });
  });
});

describe("FileTransfer downloads", () => {
  it("fetches the bytes with the token, and renews once after a 401", async () => {
    const seen: string[] = [];
    let token = "old";
    const fetch = (async (url: string, init?: RequestInit) => {
      const auth = (init?.headers as Record<string, string>).authorization!;
      seen.push(`${url} ${auth}`);
      return auth === "Bearer new" ? new Response("bytes", { status: 200 }) : new Response("{}", { status: 401 });
    }) as typeof globalThis.fetch;
    const transfer = new FileTransfer({ token: () => token, fetch, renew: async () => ((token = "new"), true) });
    expect(await (await transfer.download("up 1")).text()).toBe("bytes");
    expect(seen).toEqual(["/api/uploads/up%201 Bearer old", "/api/uploads/up%201 Bearer new"]);
  });

  it("rejects with the server's error for a file that is gone", async () => {
    const fetch = (async () =>
      new Response(JSON.stringify({ error: { code: "not_found", message: "no such upload" } }), { status: 404 })) as typeof globalThis.fetch;
    await expect(new FileTransfer({ token: () => "t", fetch }).download("x")).rejects.toMatchObject({
      status: 404,
      code: "not_found",
      message: "no such upload",
    });
  });
});
