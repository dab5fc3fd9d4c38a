import type { Hono, MiddlewareHandler } from "hono";
import { z } from "zod";
import type { AppEnv } from "../http/context.ts";
import { notFound } from "@parley/common";
import { INLINE_TYPES } from "./file-types.ts";
import { contentDisposition, readUpload, uploadHead } from "./upload-body.ts";
import type { UploadService } from "./upload-service.ts";

const uploadId = z.uuid({ error: "not an upload id" }).transform((s) => s.toLowerCase());

/** `POST /api/uploads` and `GET /api/uploads/:id` (docs/protocol.md, "Files"). */
export function registerUploadRoutes(app: Hono<AppEnv>, deps: { uploads: UploadService; authenticate: MiddlewareHandler<AppEnv> }) {
  const { uploads, authenticate } = deps;

  app.post("/api/uploads", authenticate, async (c) => {
    uploads.storage();
    // The head is checked before a token is taken: a request refused for its name costs nothing.
    const head = uploadHead(c, uploads.settings.maxBytes);
    uploads.admit(c.get("user"));
    const { name, bytes } = await readUpload(c, head);
    return c.json({ upload: await uploads.create(c.get("user"), name, bytes) }, 201);
  });

  app.get("/api/uploads/:id", authenticate, async (c) => {
    const id = uploadId.safeParse(c.req.param("id"));
    if (!id.success) throw notFound("upload");
    const { upload, file } = await uploads.open(c.get("user"), id.data);
    const inline = INLINE_TYPES.has(upload.contentType);
    return c.body(file.body as ReadableStream, 200, {
      "Content-Type": upload.contentType === "text/plain" ? "text/plain; charset=utf-8" : upload.contentType,
      "Content-Length": String(file.size),
      "Content-Disposition": contentDisposition(inline ? "inline" : "attachment", upload.name),
      "X-Content-Type-Options": "nosniff",
      "Content-Security-Policy": "default-src 'none'; sandbox",
      "Cache-Control": "private, max-age=3600",
    });
  });
}
