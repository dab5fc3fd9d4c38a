import { describe, expect, it } from "vitest";
import type { Message, Upload } from "@parley/protocol";
import { ApiClient } from "../../support/client.ts";
import { html, pdf, png, text } from "../../support/sample-files.ts";
import { uniqueName } from "../../support/services.ts";
import { type SuiteContext, expectError } from "./support.ts";
import { createRoom, invite, openDm } from "./access-support.ts";

/** How a target stores uploads: its UPLOAD_MAX_BYTES, or why the part is skipped there. */
export type UploadSetup = { maxBytes: number } | { skip: string };

/** The UPLOAD_MAX_BYTES the layouts give their workers (and the balancer): small, so 413 is cheap to reach. */
export const CONFORMANCE_UPLOAD_MAX_BYTES = 65_536;

/** What the layouts set for uploads: the small limit, and a rate the suite's dozens of uploads per user stay under. */
export const CONFORMANCE_UPLOAD_ENV = { UPLOAD_MAX_BYTES: String(CONFORMANCE_UPLOAD_MAX_BYTES), UPLOAD_RATE: "10000/60s" };

/** File uploads and attachments (docs/protocol.md, "Files"). */
export function uploadTests({ first, target, sockets, uploads }: SuiteContext) {
  const setup = uploads ?? { maxBytes: CONFORMANCE_UPLOAD_MAX_BYTES };
  describe.skipIf("skip" in setup)(`uploads${"skip" in setup ? ` (skipped: ${setup.skip})` : ""}`, () => {
    const maxBytes = "maxBytes" in setup ? setup.maxBytes : 0;
    /** The second target when there is one: downloads and sockets there prove the file and the message are shared. */
    const other = () => target().urls[1] ?? first();

    /** alice's room with bob in it; carol signed in, outside it. */
    async function team() {
      const [alice, bob, carol] = [new ApiClient(first()), new ApiClient(other()), new ApiClient(first())];
      await Promise.all([alice.register(uniqueName("alice")), bob.register(uniqueName("bob")), carol.register(uniqueName("carol"))]);
      const room = await alice.createRoom(uniqueName("files"));
      await bob.join(room.id);
      return { alice, bob, carol, room };
    }
    const upload = (api: ApiClient, bytes: Uint8Array, name: string, type = "application/octet-stream") =>
      fetch(`${api.baseUrl}/api/uploads?name=${encodeURIComponent(name)}`, {
        method: "POST",
        headers: { authorization: `Bearer ${api.token}`, "content-type": type },
        body: bytes as Uint8Array<ArrayBuffer>,
      }).then(async (res) => ({ status: res.status, json: (await res.json()) as any }));
    const stored = async (api: ApiClient, bytes: Uint8Array, name: string): Promise<Upload> => {
      const res = await upload(api, bytes, name);
      expect(res.status, JSON.stringify(res.json)).toBe(201);
      return res.json.upload;
    };
    const download = (api: ApiClient, id: string) => fetch(`${api.baseUrl}/api/uploads/${id}`, { headers: { authorization: `Bearer ${api.token}` } });
    const send = (api: ApiClient, roomId: string, body: Record<string, unknown>) => api.request("POST", `/api/rooms/${roomId}/messages`, body);

    it("stores a file by the type its bytes show, never the one it was sent as", async () => {
      const { alice } = await team();
      const image = await upload(alice, png(3, 2), "cat.png", "text/plain");
      expect(image.status).toBe(201);
      expect(image.json).toEqual({
        upload: { id: expect.stringMatching(/^[0-9a-f-]{36}$/), name: "cat.png", size: png().byteLength, contentType: "image/png", width: 3, height: 2 },
      });
      expect((await upload(alice, text(), "notes.txt", "image/png")).json.upload).toMatchObject({ contentType: "text/plain" });
      const page = await upload(alice, html(), "page.txt", "text/plain");
      expectError(page, 400, "invalid_request");
      expect(page.json.error.message).toBe("this file type is not allowed");
      expectError(await upload(alice, text(), "../escape.txt"), 400, "invalid_request");
    });

    it("takes a multipart form with one file field", async () => {
      const { alice } = await team();
      const form = new FormData();
      form.append("file", new Blob([pdf()], { type: "text/html" }), "report.pdf");
      const res = await fetch(`${alice.baseUrl}/api/uploads`, { method: "POST", headers: { authorization: `Bearer ${alice.token}` }, body: form });
      expect(res.status).toBe(201);
      expect(((await res.json()) as { upload: Upload }).upload).toMatchObject({ name: "report.pdf", contentType: "application/pdf", size: pdf().byteLength });
    });

    it("refuses a file over the limit with 413, sent whole or chunked", async () => {
      const { alice } = await team();
      expectError(await upload(alice, text("x".repeat(maxBytes + 1)), "big.txt"), 413, "too_large");
      const chunks = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let sent = 0; sent <= maxBytes; sent += 8192) controller.enqueue(text("y".repeat(8192)));
          controller.close();
        },
      });
      const res = await fetch(`${alice.baseUrl}/api/uploads?name=chunked.txt`, {
        method: "POST",
        headers: { authorization: `Bearer ${alice.token}`, "content-type": "text/plain" },
        body: chunks,
        duplex: "half",
      } as RequestInit);
      expect(res.status).toBe(413);
      // Exactly the limit is fine.
      expect((await upload(alice, text("z".repeat(maxBytes)), "exact.txt")).status).toBe(201);
    });

    it("attaches files to a message that members download anywhere, with safe headers, and that a non-member cannot", async () => {
      const { alice, bob, carol, room } = await team();
      const [image, doc] = [await stored(alice, png(4, 4), "cat.png"), await stored(alice, text("plain words\n"), "ünïcode notes.txt")];
      // Unattached: only its uploader reads it.
      expect((await download(alice, image.id)).status).toBe(200);
      expect((await download(bob, image.id)).status).toBe(404);
      const sent = await send(alice, room.id, { body: "", clientId: "with-files", attachments: [image.id, doc.id] });
      expect(sent.status).toBe(201);
      expect(sent.json.message).toMatchObject({ body: "", attachments: [image, doc] });

      const res = await download(bob, image.id);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(png(4, 4)))).toBe(true);
      expect(res.headers.get("content-type")).toBe("image/png");
      expect(res.headers.get("content-length")).toBe(String(png().byteLength));
      expect(res.headers.get("content-disposition")).toBe(`inline; filename="cat.png"; filename*=UTF-8''cat.png`);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
      expect(res.headers.get("cache-control")).toBe("private, max-age=3600");
      const textFile = await download(bob, doc.id);
      expect(textFile.headers.get("content-type")).toBe("text/plain; charset=utf-8");
      expect(textFile.headers.get("content-disposition")).toBe(`attachment; filename="_n_code notes.txt"; filename*=UTF-8''%C3%BCn%C3%AFcode%20notes.txt`);
      expect(await textFile.text()).toBe("plain words\n");

      // A signed-in user outside a public room: 403.
      const outside = await download(carol, image.id);
      expect(outside.status).toBe(403);
      expect(((await outside.json()) as { error: { code: string } }).error.code).toBe("forbidden");
      expect((await download(bob, crypto.randomUUID())).status).toBe(404);

      // The same clientId again is the same message, attachments and all.
      const again = await send(alice, room.id, { body: "", clientId: "with-files", attachments: [image.id, doc.id] });
      expect(again.status).toBe(200);
      expect(again.json.message).toEqual(sent.json.message);
    });

    it("hides a private room's and a DM's files from strangers as if they did not exist, and from a member once removed", async () => {
      const { alice, bob, carol } = await team();
      const [bobId, carolId] = await Promise.all([bob, carol].map(async (api) => (await api.request("GET", "/api/me")).json.user.id as string));
      const room = await createRoom(alice, "private");
      await invite(alice, room.id, bobId!);
      const dm = (await openDm(alice, [bobId!])).room;
      const unknown = await download(carol, crypto.randomUUID());
      expect(unknown.status).toBe(404);
      const unknownBody = await unknown.json();
      for (const where of [room.id, dm.id]) {
        const file = await stored(alice, png(), "secret.png");
        expect((await send(alice, where, { body: "", attachments: [file.id] })).status).toBe(201);
        expect((await download(bob, file.id)).status).toBe(200);
        const stranger = await download(carol, file.id);
        expect(stranger.status).toBe(404);
        expect(await stranger.json()).toEqual(unknownBody);
        if (where === room.id) {
          expect((await alice.request("DELETE", `/api/rooms/${room.id}/members/${bobId}`)).status).toBe(200);
          expect((await download(bob, file.id)).status).toBe(404);
          // Invited again, a member reads it again.
          await invite(alice, room.id, carolId!);
          expect((await download(carol, file.id)).status).toBe(200);
        }
      }
    });

    it("carries attachments in history, over the socket on another worker, through edits, and deletes them with the message", async () => {
      const { alice, bob, room } = await team();
      const socket = sockets.add(await bob.socket());
      await socket.subscribe(room.id);
      const file = await stored(alice, png(), "a.png");
      const ws = sockets.add(await alice.socket());
      ws.send({ type: "message", roomId: room.id, body: "look", clientId: "ws-file", attachments: [file.id] });
      const ack = await ws.next("ack", (f) => f.clientId === "ws-file");
      expect(ack.message).toMatchObject({ body: "look", attachments: [file] });
      const [delivered] = (await socket.waitForMessages(room.id, 1)) as Message[];
      expect(delivered).toEqual(ack.message);
      expect((await bob.history(room.id)).messages.at(-1)).toEqual(ack.message);

      const edited = await alice.request("PATCH", `/api/rooms/${room.id}/messages/${ack.message!.id}`, { body: "look again" });
      expect(edited.json.message).toMatchObject({ body: "look again", attachments: [file] });
      const deleted = await alice.request("DELETE", `/api/rooms/${room.id}/messages/${ack.message!.id}`);
      expect(deleted.status).toBe(200);
      expect(deleted.json.message).toMatchObject({ deleted: true, body: "" });
      expect(deleted.json.message).not.toHaveProperty("attachments");
      expect((await bob.history(room.id)).messages.at(-1)).not.toHaveProperty("attachments");
      expect((await download(bob, file.id)).status).toBe(404);
      expect((await download(alice, file.id)).status).toBe(404);
    });

    it("refuses someone else's, unknown, already attached or too many uploads, storing nothing", async () => {
      const { alice, bob, room } = await team();
      const theirs = await stored(bob, text(), "bob.txt");
      const mine = await stored(alice, text(), "alice.txt");
      await send(alice, room.id, { body: "taken", attachments: [mine.id] });
      const before = (await alice.history(room.id)).messages.length;
      // One after the other: a burst of uploads is 10 (UPLOAD_RATE refills the rest over its window).
      const many: Upload[] = [];
      for (let i = 0; i < 11; i++) many.push(await stored(alice, text(`file ${i}`), `f${i}.txt`));
      for (const attachments of [[theirs.id], [crypto.randomUUID()], [mine.id], many.map((u) => u.id)])
        expectError(await send(alice, room.id, { body: "x", attachments }), 400, "invalid_request");
      const ws = sockets.add(await alice.socket());
      ws.send({ type: "message", roomId: room.id, body: "x", clientId: "bad-ws", attachments: [theirs.id] });
      expect(await ws.next("error", (f) => f.clientId === "bad-ws")).toMatchObject({ code: "invalid_request", roomId: room.id });
      expect((await alice.history(room.id)).messages.length).toBe(before);
      // Ten is the most: those still attach.
      expect((await send(alice, room.id, { body: "", attachments: many.slice(0, 10).map((u) => u.id) })).status).toBe(201);
      expectError(await send(alice, room.id, { body: "" }), 400, "invalid_request");
    });
  });
}
