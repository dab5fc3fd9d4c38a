import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Upload } from "@parley/protocol";
import { ApiClient } from "../support/client.ts";
import { startS3Server, type S3Server } from "../support/s3-server.ts";
import { png, text } from "../support/sample-files.ts";
import { createMigratedDatabase, testSecret, uniqueName } from "../support/services.ts";
import { startWranglerDev, wranglerInstalled, type WranglerDev } from "../support/wrangler-process.ts";

/**
 * Uploads under `wrangler dev`: the S3 adapter (@aws-sdk/client-s3 on workerd's fetch) against
 * s3rver on loopback, through the entry (which reads the body before the gateway) and a gateway.
 */
let database: Awaited<ReturnType<typeof createMigratedDatabase>>;
let s3: S3Server;
let workers: WranglerDev;
const MAX = 200_000;

describe.skipIf(!wranglerInstalled())("uploads under wrangler dev, on S3", () => {
  beforeAll(async () => {
    [database, s3] = await Promise.all([createMigratedDatabase(), startS3Server()]);
    workers = await startWranglerDev(database.url, {
      JWT_SECRET: testSecret(),
      REGISTER_RATE: "10000/60s",
      LOG_LEVEL: "warn",
      UPLOAD_MAX_BYTES: String(MAX),
      ...s3.env,
    });
  }, 120_000);

  afterAll(async () => {
    await workers?.stop();
    await Promise.all([database?.drop(), s3?.stop()]);
  });

  const upload = (api: ApiClient, bytes: Uint8Array, name: string) =>
    fetch(`${api.baseUrl}/api/uploads?name=${encodeURIComponent(name)}`, {
      method: "POST",
      headers: { authorization: `Bearer ${api.token}`, "content-type": "application/octet-stream" },
      body: bytes as Uint8Array<ArrayBuffer>,
    });

  it("stores a file past 64 KiB in the bucket, attaches it and serves it to a member", async () => {
    const [alice, bob] = [new ApiClient(workers.url), new ApiClient(workers.url)];
    await alice.register(uniqueName("alice"));
    await bob.register(uniqueName("bob"));
    const room = await alice.createRoom(uniqueName("files"));
    await bob.join(room.id);

    const big = text("x".repeat(150_000));
    const res = await upload(alice, big, "big.txt");
    expect(res.status, workers.output()).toBe(201);
    const file = ((await res.json()) as { upload: Upload }).upload;
    expect(file).toMatchObject({ name: "big.txt", size: 150_000, contentType: "text/plain" });
    const image = ((await (await upload(alice, png(2, 3), "p.png")).json()) as { upload: Upload }).upload;
    expect(image).toMatchObject({ contentType: "image/png", width: 2, height: 3 });

    const sent = await alice.request("POST", `/api/rooms/${room.id}/messages`, { body: "files", attachments: [file.id, image.id] });
    expect(sent.status).toBe(201);
    // identity: workerd gzips text answers for a client that accepts it (Content-Length then goes).
    const got = await fetch(`${workers.url}/api/uploads/${file.id}`, { headers: { authorization: `Bearer ${bob.token}`, "accept-encoding": "identity" } });
    expect(got.status).toBe(200);
    expect(got.headers.get("content-length"), JSON.stringify([...got.headers])).toBe("150000");
    const picture = await fetch(`${workers.url}/api/uploads/${image.id}`, { headers: { authorization: `Bearer ${bob.token}` } });
    expect(picture.headers.get("content-length")).toBe(String(png().byteLength));
    expect(picture.headers.get("content-disposition")).toBe(`inline; filename="p.png"; filename*=UTF-8''p.png`);
    expect(Buffer.from(await picture.arrayBuffer()).equals(Buffer.from(png(2, 3)))).toBe(true);
    expect(got.headers.get("x-content-type-options")).toBe("nosniff");
    expect((await got.text()).length).toBe(150_000);

    // The object is in the bucket; deleting the message deletes it too.
    expect(await fetch(`${s3.endpoint}/${s3.bucket}?prefix=uploads/${image.id}`).then((r) => r.text())).toContain(`<Key>uploads/${image.id}</Key>`);
    await alice.request("DELETE", `/api/rooms/${room.id}/messages/${sent.json.message.id}`);
    expect((await fetch(`${workers.url}/api/uploads/${file.id}`, { headers: { authorization: `Bearer ${bob.token}` } })).status).toBe(404);
    await expect
      .poll(async () => (await fetch(`${s3.endpoint}/${s3.bucket}?prefix=uploads/${file.id}`).then((r) => r.text())).includes(`<Key>uploads/${file.id}</Key>`))
      .toBe(false);
  });

  it("answers 413 past UPLOAD_MAX_BYTES", async () => {
    const api = new ApiClient(workers.url);
    await api.register(uniqueName("big"));
    const res = await upload(api, text("y".repeat(MAX + 1)), "too-big.txt");
    expect(res.status).toBe(413);
  });
});
