import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, inProcessApp, memoryStore } from "../../../test/support/in-process.ts";
import { html, png, text } from "../../../test/support/sample-files.ts";
import { MemoryFileStorage } from "../ports/file-storage.ts";
import type { ParleyApp } from "../app.ts";
import type { Store } from "@parley/db";

let close: () => Promise<void>;
let store: Store;
let parley: ParleyApp;
const files = new MemoryFileStorage();
let alice: string;
let bob: string;
let carol: string;
let roomId: string;

const register = async (username: string) =>
  (await call(parley, "POST", "/api/auth/register", { body: { username, password: "long enough pw" } })).json.token as string;

/** A raw upload: the bytes as the body, named by ?name=. */
const upload = (token: string, bytes: Uint8Array, name = "file.bin", type = "application/octet-stream") =>
  parley.app.request(`/api/uploads?name=${encodeURIComponent(name)}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": type },
    body: bytes as Uint8Array<ArrayBuffer>,
  });
const download = (token: string, id: string) => parley.app.request(`/api/uploads/${id}`, { headers: { authorization: `Bearer ${token}` } });

beforeAll(async () => {
  const memory = await memoryStore();
  store = memory.store;
  close = () => memory.connection.close();
  parley = inProcessApp(store, { files, settings: { uploads: { maxBytes: 2048, rate: { max: 100_000, windowSeconds: 60 } } } });
  [alice, bob, carol] = [await register("alice"), await register("bob"), await register("carol")];
  roomId = (await call(parley, "POST", "/api/rooms", { token: alice, body: { name: "pics" } })).json.room.id;
  await call(parley, "POST", `/api/rooms/${roomId}/join`, { token: bob });
});
afterAll(() => close());

describe("POST /api/uploads", () => {
  it("stores a raw body by its sniffed type, with an image's size", async () => {
    const res = await upload(alice, png(3, 2), "cat.png", "text/plain");
    expect(res.status).toBe(201);
    const { upload: shape } = (await res.json()) as { upload: Record<string, unknown> };
    expect(shape).toMatchObject({ name: "cat.png", size: png().byteLength, contentType: "image/png", width: 3, height: 2 });
    expect(await files.get(shape.id as string)).not.toBeNull();
  });

  it("takes one file field of a multipart form", async () => {
    const form = new FormData();
    form.append("file", new Blob([text()]), "notes.txt");
    const res = await parley.app.request("/api/uploads", { method: "POST", headers: { authorization: `Bearer ${alice}` }, body: form });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { upload: unknown }).upload).toMatchObject({ name: "notes.txt", contentType: "text/plain" });
    const two = new FormData();
    two.append("file", new Blob([text()]), "a.txt");
    two.append("file", new Blob([text()]), "b.txt");
    expect((await parley.app.request("/api/uploads", { method: "POST", headers: { authorization: `Bearer ${alice}` }, body: two })).status).toBe(400);
  });

  it("refuses bad names, refused types, empty and oversized files, storing nothing", async () => {
    const before = files.size;
    for (const name of ["", "../x.txt", "a/b.txt", "a".repeat(256)]) expect((await upload(alice, text(), name)).status, name).toBe(400);
    const refused = await upload(alice, html(), "page.txt", "text/plain");
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: { code: "invalid_request", message: "this file type is not allowed" } });
    expect((await upload(alice, new Uint8Array(0), "empty.txt")).status).toBe(400);
    const big = await upload(alice, text("x".repeat(2049)), "big.txt");
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe("too_large");
    const declared = await parley.app.request("/api/uploads?name=a.txt", {
      method: "POST",
      headers: { authorization: `Bearer ${alice}`, "content-length": String(10 * 1024 * 1024) },
      body: text(),
    });
    expect(declared.status).toBe(413);
    expect(files.size).toBe(before);
  });

  it("needs a signed-in user, and storage", async () => {
    expect((await parley.app.request("/api/uploads?name=a.txt", { method: "POST", body: text() })).status).toBe(401);
    const bare = inProcessApp(store, { files: null });
    const res = await bare.app.request("/api/uploads?name=a.txt", { method: "POST", headers: { authorization: `Bearer ${alice}` }, body: text() });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe("uploads need S3 storage here");
  });

  it("limits each user's uploads", async () => {
    const limited = inProcessApp(store, { files, settings: { uploads: { maxBytes: 2048, rate: { max: 2, windowSeconds: 60 } } } });
    const send = () => limited.app.request("/api/uploads?name=a.txt", { method: "POST", headers: { authorization: `Bearer ${carol}` }, body: text() });
    expect([(await send()).status, (await send()).status, (await send()).status]).toEqual([201, 201, 429]);
  });
});

describe("GET /api/uploads/:id and attachments", () => {
  it("serves an attached file to the room's members only, and deletes it with its message", async () => {
    const { upload: file } = (await (await upload(alice, png(), "cat.png")).json()) as { upload: { id: string } };
    // Unattached: the uploader alone.
    expect((await download(alice, file.id)).status).toBe(200);
    expect((await download(bob, file.id)).status).toBe(404);
    const sent = await call(parley, "POST", `/api/rooms/${roomId}/messages`, { token: alice, body: { body: "", attachments: [file.id] } });
    expect(sent.status).toBe(201);
    expect(sent.json.message.attachments).toEqual([expect.objectContaining({ id: file.id, contentType: "image/png" })]);
    const res = await download(bob, file.id);
    expect(res.status).toBe(200);
    expect(
      Object.fromEntries(
        ["content-type", "content-length", "content-disposition", "x-content-type-options", "content-security-policy", "cache-control"].map((h) => [
          h,
          res.headers.get(h),
        ]),
      ),
    ).toEqual({
      "content-type": "image/png",
      "content-length": String(png().byteLength),
      "content-disposition": `inline; filename="cat.png"; filename*=UTF-8''cat.png`,
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'; sandbox",
      "cache-control": "private, max-age=3600",
    });
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(png());
    expect((await download(carol, file.id)).status).toBe(403);
    expect((await call(parley, "DELETE", `/api/rooms/${roomId}/messages/${sent.json.message.id}`, { token: alice })).json.message).not.toHaveProperty(
      "attachments",
    );
    expect((await download(bob, file.id)).status).toBe(404);
    await expect.poll(() => files.get(file.id)).toBeNull();
  });

  it("refuses someone else's, unknown or too many uploads, storing nothing", async () => {
    const { upload: theirs } = (await (await upload(bob, text(), "b.txt")).json()) as { upload: { id: string } };
    const before = (await call(parley, "GET", `/api/rooms/${roomId}/messages`, { token: alice })).json.messages.length;
    for (const attachments of [[theirs.id], [crypto.randomUUID()], Array.from({ length: 11 }, () => crypto.randomUUID()), ["not-an-id"]]) {
      const res = await call(parley, "POST", `/api/rooms/${roomId}/messages`, { token: alice, body: { body: "x", attachments } });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe("invalid_request");
    }
    expect((await call(parley, "GET", `/api/rooms/${roomId}/messages`, { token: alice })).json.messages.length).toBe(before);
    expect((await call(parley, "POST", `/api/rooms/${roomId}/messages`, { token: alice, body: { body: "  " } })).status).toBe(400);
    expect((await download(alice, "not-an-id")).status).toBe(404);
  });

  it("sweeps uploads never attached for a day, bytes and record, and keeps newer ones", async () => {
    const me = (await call(parley, "GET", "/api/me", { token: carol })).json.user as { id: string };
    const old = { id: crypto.randomUUID(), name: "old.txt", size: 4, contentType: "text/plain" };
    await files.put(old.id, text("old!"));
    await store.createUpload({ ...old, userId: me.id, createdAt: new Date(Date.now() - 25 * 3600 * 1000) });
    const { upload: fresh } = (await (await upload(carol, text(), "fresh.txt")).json()) as { upload: { id: string } };
    expect(await parley.sweepUploads()).toBeGreaterThanOrEqual(1);
    expect(await files.get(old.id)).toBeNull();
    expect(await store.findUpload(old.id)).toBeNull();
    expect((await download(carol, fresh.id)).status).toBe(200);
  });

  it("answers a download of text as UTF-8, to be saved", async () => {
    const { upload: file } = (await (await upload(alice, text(), "notes.txt")).json()) as { upload: { id: string } };
    const res = await download(alice, file.id);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="notes.txt"; filename*=UTF-8''notes.txt`);
  });
});
